# The active-learning loop (workflows/active_loop.py) on a 6-candidate sweep: ctest -L workflows.
if(NOT FURUI_PYTHON)
  set(FURUI_PYTHON /usr/bin/python3)
endif()
add_test(NAME workflows_active_loop
  COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/loop_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/workflows)
set_tests_properties(workflows_active_loop PROPERTIES LABELS "workflows" TIMEOUT 600)

# validation/acwf.py (ACWF verification) end to end on 2 tiny cases, plus the analytic checks of its
# Birch-Murnaghan fit and eps/nu/Delta: a few seconds, no ../shared (Debian's PseudoDojo files).
add_test(NAME workflows_acwf_smoke
  COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/acwf_smoke.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/acwf_smoke)
set_tests_properties(workflows_acwf_smoke PROPERTIES LABELS "workflows" TIMEOUT 300 SKIP_RETURN_CODE 77)
