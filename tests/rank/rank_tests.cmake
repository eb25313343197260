# furui rank end to end (tests/rank/rank_test.py): screens rank.yaml (8 small
# candidates, 1 rank, ~15 s), ranks it with several expressions and checks the
# shortlist against a selection recomputed in Python from the raw results file.
if(NOT FURUI_PYTHON)
  set(FURUI_PYTHON /usr/bin/python3)
endif()
add_test(NAME rank_cli
  COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/rank_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/rank)
set_tests_properties(rank_cli PROPERTIES LABELS "rank;screen" TIMEOUT 600)
