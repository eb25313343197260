# Tests that run the furui binary (Python glue from Debian's /usr/bin/python3).
set(FURUI_PYTHON /usr/bin/python3)
set(ABINIT_CASES si_diamond si_distorted gaas_zincblende nacl_rocksalt mgo_rocksalt al_fcc_metal)
foreach(case ${ABINIT_CASES})
  add_test(NAME abinit_${case}
    COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/abinit/compare_reference.py
            --furui $<TARGET_FILE:furui> --reference ${FURUI_REFERENCE_DIR}/${case}.json
            --workdir ${CMAKE_CURRENT_BINARY_DIR}/abinit)
  set_tests_properties(abinit_${case} PROPERTIES LABELS "physics;abinit" TIMEOUT 900)
  add_test(NAME abinit_${case}_default_grid
    COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/abinit/compare_reference.py
            --furui $<TARGET_FILE:furui> --reference ${FURUI_REFERENCE_DIR}/${case}.json
            --grid default --workdir ${CMAKE_CURRENT_BINARY_DIR}/abinit)
  set_tests_properties(abinit_${case}_default_grid PROPERTIES LABELS "physics;abinit" TIMEOUT 900)
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/abinit/peer_cases.cmake)
include(${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_tests.cmake)
