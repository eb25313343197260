# Convex-hull cross-check against pymatgen's PhaseDiagram: hull_driver (a CSV
# front end to props/hull.h) on tests/hull/data/*.csv and seeded random
# quaternaries, compared by compare_pymatgen.py (see its docstring). The C
# unit tests are tests/unit/test_hull.c. Included at the end of
# tests/CMakeLists.txt.
add_executable(hull_driver ${CMAKE_CURRENT_LIST_DIR}/hull_driver.c)
target_link_libraries(hull_driver PRIVATE furui_lib)
add_test(NAME hull_pymatgen
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/compare_pymatgen.py
          $<TARGET_FILE:hull_driver> ${CMAKE_CURRENT_LIST_DIR}/data
          ${CMAKE_CURRENT_BINARY_DIR}/hull_pymatgen_work)
set_tests_properties(hull_pymatgen PROPERTIES LABELS "unit;hull" TIMEOUT 300
  SKIP_RETURN_CODE 77)

# Two valences of one element in one campaign: two hulls (issue 21's identity bug).
add_test(NAME hull_psp_identity
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/identity_test.py $<TARGET_FILE:furui>
          ${CMAKE_CURRENT_BINARY_DIR}/hull_identity_work)
set_tests_properties(hull_psp_identity PROPERTIES LABELS "hull;screen" TIMEOUT 300)
