# Structure input and prototypes against pymatgen and ASE (Debian):
# structure_driver writes what furui builds or reads, the Python scripts
# compare it with structures pymatgen/ASE make from the literature
# definitions. Included from tests/CMakeLists.txt.
add_executable(structure_driver ${CMAKE_CURRENT_LIST_DIR}/structure_driver.c)
target_link_libraries(structure_driver PRIVATE furui_lib)
add_test(NAME prototypes_pymatgen
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/prototypes_pymatgen.py
          $<TARGET_FILE:structure_driver>)
set_tests_properties(prototypes_pymatgen PROPERTIES LABELS "unit;crystal" TIMEOUT 300
  SKIP_RETURN_CODE 77)
add_test(NAME cif_read
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cif_test.py
          $<TARGET_FILE:structure_driver> ${CMAKE_CURRENT_BINARY_DIR}/cif_read_work
          $<TARGET_FILE:furui>)
set_tests_properties(cif_read PROPERTIES LABELS "unit;crystal" TIMEOUT 300
  SKIP_RETURN_CODE 77)
add_test(NAME refstate_ase
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/refstate_ase.py
          $<TARGET_FILE:structure_driver>)
set_tests_properties(refstate_ase PROPERTIES LABELS "unit;crystal" TIMEOUT 300
  SKIP_RETURN_CODE 77)
add_test(NAME display_pymatgen
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/display_pymatgen.py
          $<TARGET_FILE:structure_driver> ${CMAKE_CURRENT_BINARY_DIR}/display_work)
set_tests_properties(display_pymatgen PROPERTIES LABELS "unit;crystal" TIMEOUT 300
  SKIP_RETURN_CODE 77)
