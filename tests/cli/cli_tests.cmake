# End-to-end tests of the furui command line (tests/cli/README.md):
#   cli_bad_<case>        bad input and bad invocations, one test per case of bad_input.py
#   cli_bad_<case>_np2    some of them again on 2 MPI ranks
#   cli_scf_outputs_*     a successful run and its .log/.json/.h5
#   mpi_consistency       the same SCF on 1, 2 and 3 ranks and without MPI agrees to 1e-10; so does Γ alone on 2 ranks (they share its bands, and the log says so)
#   band_parallel         Γ-only, metallic and spin cells on 1-4 ranks sharing bands agree to 1e-9 Ha, 1e-7 in forces/stress
#   band_parallel_fft     the same with FFT ranks sharing each band's FFTs (--npfft)
#   band_parallel_scalapack  the same with the band ranks' subspace matrices solved by ScaLAPACK
#   threads_consistency   1 and 2 band threads give identical numbers
#   memory_estimate       the memory estimate against the measured peak RSS
#   test_fftslab_np<N>    the slab grid FFT on N = 2, 3, 4 ranks against serial FFTW
#   test_fftcols_np<N>    the FFT ranks' sphere-column FFTs on N = 2, 3, 4 ranks against serial FFTW
# Included from tests/cli.cmake (which sets FURUI_PYTHON). Run: ctest -L "cli|mpi".
set(FURUI_CLI_DIR ${CMAKE_CURRENT_LIST_DIR})
set(FURUI_CLI_WORK ${CMAKE_CURRENT_BINARY_DIR}/cli)
if(NOT FURUI_PYTHON)
  set(FURUI_PYTHON /usr/bin/python3)
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${FURUI_CLI_DIR}/bad_input.py)

execute_process(COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/bad_input.py --list
  OUTPUT_VARIABLE FURUI_CLI_CASES OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc1)
execute_process(COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/bad_input.py --list-mpi
  OUTPUT_VARIABLE FURUI_CLI_MPI_CASES OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT FURUI_CLI_CASES)
  message(FATAL_ERROR "tests/cli/bad_input.py --list failed")
endif()

foreach(case ${FURUI_CLI_CASES})
  add_test(NAME cli_bad_${case}
    COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/bad_input.py --furui $<TARGET_FILE:furui>
            --workdir ${FURUI_CLI_WORK} ${case})
  set_tests_properties(cli_bad_${case} PROPERTIES LABELS "cli" TIMEOUT 150)
endforeach()

# MPI: one message (not one per rank), the same exit status on every rank, no hang.
set(FURUI_MPIEXEC ${MPIEXEC_EXECUTABLE})
if(NOT FURUI_MPIEXEC)
  set(FURUI_MPIEXEC mpiexec)
endif()
foreach(case ${FURUI_CLI_MPI_CASES} output_dir_missing)
  add_test(NAME cli_bad_${case}_np2
    COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/bad_input.py --furui $<TARGET_FILE:furui>
            --workdir ${FURUI_CLI_WORK} --ranks 2 --mpiexec ${FURUI_MPIEXEC} ${case})
  set_tests_properties(cli_bad_${case}_np2 PROPERTIES LABELS "cli;mpi" TIMEOUT 150 PROCESSORS 2)
endforeach()
# output_dir_missing on 2 ranks: all ranks must agree on rank 0's failure to open
# the log before the SCF starts (it once hung).

foreach(input ${PROJECT_SOURCE_DIR}/input/examples/si_diamond.yaml ${FURUI_CLI_DIR}/si_small.yaml
              ${FURUI_CLI_DIR}/si_protocol.yaml)
  get_filename_component(name ${input} NAME_WE)
  add_test(NAME cli_scf_outputs_${name}
    COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/scf_outputs.py --furui $<TARGET_FILE:furui>
            --input ${input} --workdir ${FURUI_CLI_WORK}/outputs_${name})
  set_tests_properties(cli_scf_outputs_${name} PROPERTIES LABELS "cli" TIMEOUT 300)
endforeach()

add_test(NAME mpi_consistency
  COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/mpi_consistency.py --furui $<TARGET_FILE:furui>
          --mpiexec ${FURUI_MPIEXEC} --ranks 1,0,2,3 --tol 1e-10 --workdir ${FURUI_CLI_WORK})
set_tests_properties(mpi_consistency PROPERTIES LABELS "mpi" TIMEOUT 600 PROCESSORS 3)
# band parallelism (issue 24): Γ-only Si8, metallic Al4, spin-polarised Fe2 and a 2 x 2 layout
add_test(NAME band_parallel
  COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/band_parallel.py --furui $<TARGET_FILE:furui>
          --mpiexec ${FURUI_MPIEXEC} --workdir ${FURUI_CLI_WORK})
set_tests_properties(band_parallel PROPERTIES LABELS "mpi" TIMEOUT 600 PROCESSORS 2)
# the same cells with FFT ranks (--npfft: band ranks sharing each band's FFTs)
add_test(NAME band_parallel_fft
  COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/band_parallel.py --furui $<TARGET_FILE:furui>
          --mpiexec ${FURUI_MPIEXEC} --workdir ${FURUI_CLI_WORK} --fft)
set_tests_properties(band_parallel_fft PROPERTIES LABELS "mpi" TIMEOUT 600 PROCESSORS 2)
# the same cells with every subspace matrix of the band ranks solved by ScaLAPACK
add_test(NAME band_parallel_scalapack
  COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/band_parallel.py --furui $<TARGET_FILE:furui>
          --mpiexec ${FURUI_MPIEXEC} --workdir ${FURUI_CLI_WORK} --scalapack-min 1)
set_tests_properties(band_parallel_scalapack PROPERTIES LABELS "mpi" TIMEOUT 600 PROCESSORS 2)
# the ScaLAPACK wrapper against LAPACK on 1 x 3 and 2 x 2 grids (test_scalapack: 1 rank)
foreach(np 3 4)
  add_test(NAME test_scalapack_np${np}
    COMMAND ${FURUI_MPIEXEC} --oversubscribe -n ${np} $<TARGET_FILE:test_scalapack>)
  set_tests_properties(test_scalapack_np${np} PROPERTIES LABELS "unit;mpi" TIMEOUT 300 PROCESSORS 2
    ENVIRONMENT "OMP_NUM_THREADS=1;OPENBLAS_NUM_THREADS=1;OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
endforeach()
# the slab grid FFT and the FFT ranks' shared sphere-column FFTs against serial FFTW on 2, 3
# and 4 ranks (each also as a unit test on 1 rank)
foreach(t test_fftslab test_fftcols)
  foreach(np 2 3 4)
    add_test(NAME ${t}_np${np}
      COMMAND ${FURUI_MPIEXEC} --oversubscribe -n ${np} $<TARGET_FILE:${t}>)
    set_tests_properties(${t}_np${np} PROPERTIES LABELS "unit;mpi" TIMEOUT 120 PROCESSORS 2
      ENVIRONMENT "OMP_NUM_THREADS=1;OPENBLAS_NUM_THREADS=1;OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
  endforeach()
endforeach()
add_test(NAME threads_consistency
  COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/threads_consistency.py --furui $<TARGET_FILE:furui>
          --workdir ${FURUI_CLI_WORK})
set_tests_properties(threads_consistency PROPERTIES LABELS "cli" TIMEOUT 300 PROCESSORS 2
  SKIP_RETURN_CODE 77)
# the memory estimate of furui scf within a factor 1.5 of the measured peak RSS (issue 19 item 8)
add_test(NAME memory_estimate
  COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/memory_estimate.py --furui $<TARGET_FILE:furui>
          --workdir ${FURUI_CLI_WORK})
set_tests_properties(memory_estimate PROPERTIES LABELS "cli" TIMEOUT 300)

# furui converge on Si: its 1 meV/atom cutoff and k-mesh against a 40 Ha SCF and a 20x20x20
# mesh outside its ladders; bad ladders refused in one line
add_test(NAME cli_converge_si
  COMMAND ${FURUI_PYTHON} ${FURUI_CLI_DIR}/converge.py --furui $<TARGET_FILE:furui>
          --workdir ${FURUI_CLI_WORK}/converge)
set_tests_properties(cli_converge_si PROPERTIES LABELS "cli" TIMEOUT 900 SKIP_RETURN_CODE 77)
