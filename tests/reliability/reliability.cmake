# Reliability tests (tests/reliability/README.md). Included from tests/CMakeLists.txt.
#   valgrind_scf, valgrind_screen      memcheck of furui scf / a 2-rank furui screen (label valgrind)
#   fault_injection                    24 seeded SIGKILLs of a 2-rank screen + resume (label reliability)
#   fault_injection_jobopts            10 of them with the job scripts' options (default --max-attempts)
#   full_disk_<case>                   RLIMIT_FSIZE and read-only directories, end to end
#   hostile_results                    damaged results files and journals via status/merge
#   early_stop_<case>                  a stop signal while a large sweep is still being read
#   sigterm_<case>                     SIGTERM to mpiexec during an SCF, a relaxation, an EOS scan
# Run: ctest -L "reliability|valgrind" --output-on-failure
set(FURUI_REL_DIR ${CMAKE_CURRENT_LIST_DIR})
set(FURUI_REL_WORK ${CMAKE_CURRENT_BINARY_DIR}/reliability)
if(NOT FURUI_PYTHON)
  set(FURUI_PYTHON /usr/bin/python3)
endif()
set(FURUI_REL_MPIEXEC ${MPIEXEC_EXECUTABLE})
if(NOT FURUI_REL_MPIEXEC)
  set(FURUI_REL_MPIEXEC mpiexec)
endif()
foreach(case scf screen)
  add_test(NAME valgrind_${case}
    COMMAND ${FURUI_PYTHON} ${FURUI_REL_DIR}/valgrind_check.py --furui $<TARGET_FILE:furui>
            --mpiexec ${FURUI_REL_MPIEXEC} --workdir ${FURUI_REL_WORK} ${case})
  set_tests_properties(valgrind_${case} PROPERTIES LABELS "valgrind" TIMEOUT 900
    SKIP_RETURN_CODE 77 PROCESSORS 2)
endforeach()
# Seed and number of kills fixed so that a failure replays with the same schedule.
add_test(NAME fault_injection
  COMMAND ${FURUI_PYTHON} ${FURUI_REL_DIR}/fault_injection.py --furui $<TARGET_FILE:furui>
          --mpiexec ${FURUI_REL_MPIEXEC} --workdir ${FURUI_REL_WORK} --seed 20261122 --kills 24
          --strace)
set_tests_properties(fault_injection PROPERTIES LABELS "reliability" TIMEOUT 600 PROCESSORS 2)
# the same kills with the job scripts' options (default --max-attempts): nothing lost as "crashed"
add_test(NAME fault_injection_jobopts
  COMMAND ${FURUI_PYTHON} ${FURUI_REL_DIR}/fault_injection.py --furui $<TARGET_FILE:furui>
          --mpiexec ${FURUI_REL_MPIEXEC} --workdir ${FURUI_REL_WORK} --seed 20261206 --kills 10
          --resume-probability 0.1 --job-options)
set_tests_properties(fault_injection_jobopts PROPERTIES LABELS "reliability" TIMEOUT 600 PROCESSORS 2)
foreach(case scf_full_disk scf_readonly_dir screen_full_disk screen_readonly_dir)
  add_test(NAME full_disk_${case}
    COMMAND ${FURUI_PYTHON} ${FURUI_REL_DIR}/full_disk.py --furui $<TARGET_FILE:furui>
            --mpiexec ${FURUI_REL_MPIEXEC} --workdir ${FURUI_REL_WORK} ${case})
  set_tests_properties(full_disk_${case} PROPERTIES LABELS "reliability" TIMEOUT 300
    SKIP_RETURN_CODE 77 PROCESSORS 2)
endforeach()
add_test(NAME hostile_results
  COMMAND ${FURUI_PYTHON} ${FURUI_REL_DIR}/hostile_results.py --furui $<TARGET_FILE:furui>
          --workdir ${FURUI_REL_WORK})
set_tests_properties(hostile_results PROPERTIES LABELS "reliability" TIMEOUT 600)
# SCF divergence injected through the recovery ladder (furui screen --inject-scf-nan).
add_test(NAME scf_divergence
  COMMAND ${FURUI_PYTHON} ${FURUI_REL_DIR}/divergence.py --furui $<TARGET_FILE:furui>
          --workdir ${FURUI_REL_WORK}/divergence)
set_tests_properties(scf_divergence PROPERTIES LABELS "reliability" TIMEOUT 300)
# A stop signal while a 100 000-candidate sweep is still being read (issue 19 item 4).
foreach(case serial dryrun mpi setup)
  add_test(NAME early_stop_${case}
    COMMAND ${FURUI_PYTHON} ${FURUI_REL_DIR}/early_stop.py --furui $<TARGET_FILE:furui>
            --mpiexec ${FURUI_REL_MPIEXEC} --workdir ${FURUI_REL_WORK} ${case})
  set_tests_properties(early_stop_${case} PROPERTIES LABELS "reliability" TIMEOUT 300
    SKIP_RETURN_CODE 77 PROCESSORS 2)
endforeach()
# SIGTERM to mpiexec running a 2-rank screen (issue 18): ends within Slurm's default KillWait
# (30 s) with the results file written, finished candidates kept, the running one rerun; during
# a relaxation and an EOS scan the rerun continues from the journal's checkpoints.
foreach(case scf default relax eos timelimit)
  add_test(NAME sigterm_${case}
    COMMAND ${FURUI_PYTHON} ${FURUI_REL_DIR}/sigterm.py --furui $<TARGET_FILE:furui>
            --mpiexec ${FURUI_REL_MPIEXEC} --workdir ${FURUI_REL_WORK} ${case})
  set_tests_properties(sigterm_${case} PROPERTIES LABELS "reliability;screen" TIMEOUT 600 PROCESSORS 2)
endforeach()
