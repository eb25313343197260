# End-to-end tests of furui screen / status / merge (tests/screen/screen_test.py).
# Run: ctest -L screen. About 55 s on 2 cores; MPI runs use up to 4 oversubscribed ranks.
set(FURUI_SCREEN_DIR ${CMAKE_CURRENT_LIST_DIR})
if(NOT FURUI_PYTHON)
  set(FURUI_PYTHON /usr/bin/python3)
endif()
set(FURUI_SCREEN_MPIEXEC ${MPIEXEC_EXECUTABLE})
if(NOT FURUI_SCREEN_MPIEXEC)
  set(FURUI_SCREEN_MPIEXEC mpiexec)
endif()
foreach(case dryrun ranks resume kill crash conflict shards recovery)
  add_test(NAME screen_${case}
    COMMAND ${FURUI_PYTHON} ${FURUI_SCREEN_DIR}/screen_test.py --furui $<TARGET_FILE:furui>
            --mpiexec ${FURUI_SCREEN_MPIEXEC} --workdir ${CMAKE_CURRENT_BINARY_DIR}/screen ${case})
  set_tests_properties(screen_${case} PROPERTIES LABELS "screen" TIMEOUT 300 PROCESSORS 2)
endforeach()
# Job script templates (jobscripts/) run through a fake scheduler (tests/screen/fakesched/):
# ctest -L jobscripts, about 15 s.
foreach(case syntax slurm pbs pjm)
  add_test(NAME jobscripts_${case}
    COMMAND ${FURUI_PYTHON} ${FURUI_SCREEN_DIR}/jobscripts_test.py --furui $<TARGET_FILE:furui>
            --mpiexec ${FURUI_SCREEN_MPIEXEC} --workdir ${CMAKE_CURRENT_BINARY_DIR}/jobscripts ${case})
  set_tests_properties(jobscripts_${case} PROPERTIES LABELS "jobscripts" TIMEOUT 300 PROCESSORS 2)
endforeach()
# Properties per candidate (relaxation, equation of state, spin; tests/screen/props_test.py):
# ~15 s, 1 rank.
add_test(NAME screen_properties
  COMMAND ${FURUI_PYTHON} ${FURUI_SCREEN_DIR}/props_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/screen_properties)
set_tests_properties(screen_properties PROPERTIES LABELS "screen;physics" TIMEOUT 600)

# references: auto (elemental ground states, molecules) and the hull warning (issue 21)
add_test(NAME screen_references
  COMMAND ${FURUI_PYTHON} ${FURUI_SCREEN_DIR}/references_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/screen_references)
set_tests_properties(screen_references PROPERTIES LABELS "screen;physics" TIMEOUT 900)

# A staged funnel in one sweep (stages:, issue 20; tests/screen/stages_test.py): ~10-30 s each.
foreach(case funnel resume shards badinput)
  add_test(NAME screen_stages_${case}
    COMMAND ${FURUI_PYTHON} ${FURUI_SCREEN_DIR}/stages_test.py --furui $<TARGET_FILE:furui>
            --workdir ${CMAKE_CURRENT_BINARY_DIR}/screen_stages ${case})
  set_tests_properties(screen_stages_${case} PROPERTIES LABELS "screen" TIMEOUT 600)
endforeach()

# converge: in a sweep (issue 20; tests/screen/sweepconv_test.py): ladders on fcc Al before
# the farm, checked against SCFs at 40 Ha and on 24x24x24; ~30 s.
add_test(NAME screen_sweep_converge
  COMMAND ${FURUI_PYTHON} ${FURUI_SCREEN_DIR}/sweepconv_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/screen_sweep_converge)
set_tests_properties(screen_sweep_converge PROPERTIES LABELS "screen;physics" TIMEOUT 600)

# Group sizes that follow the candidates (issue 24; tests/screen/groups_test.py): 2-atom cells
# and a Γ-only 64-atom Si cell on 4 ranks, the large one on 3 band ranks, against 1 rank; ~2-3 min.
add_test(NAME screen_groups
  COMMAND ${FURUI_PYTHON} ${FURUI_SCREEN_DIR}/groups_test.py --furui $<TARGET_FILE:furui>
          --mpiexec ${FURUI_SCREEN_MPIEXEC} --workdir ${CMAKE_CURRENT_BINARY_DIR}/screen_groups)
set_tests_properties(screen_groups PROPERTIES LABELS "screen" TIMEOUT 900 PROCESSORS 2)
# FFT ranks in a screen (issue 24; tests/screen/fft_ranks_test.py): an H2 box on 3 ranks that
# share each band's FFTs (--npband 3 --npfft 3), recorded in journal and results, against 1 rank.
add_test(NAME screen_fft_ranks
  COMMAND ${FURUI_PYTHON} ${FURUI_SCREEN_DIR}/fft_ranks_test.py --furui $<TARGET_FILE:furui>
          --mpiexec ${FURUI_SCREEN_MPIEXEC} --workdir ${CMAKE_CURRENT_BINARY_DIR}/screen_fft_ranks)
set_tests_properties(screen_fft_ranks PROPERTIES LABELS "screen" TIMEOUT 600 PROCESSORS 2)
