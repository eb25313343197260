# The active-learning loop (workflows/active_loop.py) on a 6-candidate sweep: ctest -L workflows.
if(NOT FURUI_PYTHON)
  set(FURUI_PYTHON /usr/bin/python3)
endif()
add_test(NAME workflows_active_loop
  COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/loop_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/workflows)
set_tests_properties(workflows_active_loop PROPERTIES LABELS "workflows" TIMEOUT 600)
