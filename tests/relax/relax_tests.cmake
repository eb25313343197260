# furui relax end to end (relax_cli.py) and the ABINIT peer check of the
# relaxed lattice constant (validation/lattice_vs_abinit.py --quick si).
# Included from tests/CMakeLists.txt.
set(FURUI_RELAX_DIR ${CMAKE_CURRENT_LIST_DIR})
foreach(case outputs bad_key bad_value noconv protocol)
  add_test(NAME relax_cli_${case}
    COMMAND /usr/bin/python3 ${FURUI_RELAX_DIR}/relax_cli.py --furui $<TARGET_FILE:furui>
            --workdir ${CMAKE_CURRENT_BINARY_DIR}/relax ${case})
  set_tests_properties(relax_cli_${case} PROPERTIES LABELS "cli" TIMEOUT 300)
endforeach()
add_test(NAME relax_peer_si_abinit
  COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/validation/lattice_vs_abinit.py
          --furui $<TARGET_FILE:furui> --workdir ${CMAKE_CURRENT_BINARY_DIR}/relax_peer --quick si)
set_tests_properties(relax_peer_si_abinit PROPERTIES LABELS "peer" TIMEOUT 600 SKIP_RETURN_CODE 77)
