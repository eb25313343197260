# Store tests beyond tests/unit/test_store.c: the SIGKILL crash test of the
# screening journal, and an independent reader (h5py) of the results files it
# finalizes and merges. Included at the end of tests/CMakeLists.txt.
add_executable(store_crash ${CMAKE_CURRENT_LIST_DIR}/store_crash.c)
target_link_libraries(store_crash PRIVATE furui_lib)
target_include_directories(store_crash PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
set(FURUI_STORE_CRASH_OUT ${CMAKE_CURRENT_BINARY_DIR}/store_crash_out)
# Seed and number of kills are fixed so a failure can be replayed exactly.
add_test(NAME store_crash COMMAND store_crash 20240601 24 ${FURUI_STORE_CRASH_OUT})
set_tests_properties(store_crash PROPERTIES LABELS "unit;store;crash" TIMEOUT 300
  FIXTURES_SETUP furui_store_results)
add_test(NAME store_h5py
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_results_h5py.py
          ${FURUI_STORE_CRASH_OUT}/RESULTS.h5:240:0 ${FURUI_STORE_CRASH_OUT}/MERGED.h5:243:2)
set_tests_properties(store_h5py PROPERTIES LABELS "unit;store" TIMEOUT 120
  FIXTURES_REQUIRED furui_store_results SKIP_RETURN_CODE 77)
