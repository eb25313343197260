# Band structures (src/crystal/kpath, src/dft/nscf, src/props/bands, src/props/dos):
#   bands_nscf_np2     test_nscf on 2 MPI ranks: NSCF on 2 ranks equals NSCF on 1 rank
#                      bit for bit, and the physics checks hold there too
#   bands_vs_abinit_si furui bands vs ABINIT's NSCF at the same path points (Si), plus
#                      workflows/plot_bands.py writing a non-empty PNG; skipped (77)
#                      without /usr/bin/abinit
# Included from tests/CMakeLists.txt. Run: ctest -R bands_
set(FURUI_BANDS_MPIEXEC ${MPIEXEC_EXECUTABLE})
if(NOT FURUI_BANDS_MPIEXEC)
  set(FURUI_BANDS_MPIEXEC mpiexec)
endif()
add_test(NAME bands_nscf_np2
  COMMAND ${FURUI_BANDS_MPIEXEC} --oversubscribe -n 2 $<TARGET_FILE:test_nscf>)
set_tests_properties(bands_nscf_np2 PROPERTIES LABELS "physics;mpi" TIMEOUT 300 PROCESSORS 2
  ENVIRONMENT "OMP_NUM_THREADS=1;OPENBLAS_NUM_THREADS=1;OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")

add_test(NAME bands_vs_abinit_si
  COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/validation/bands_vs_abinit.py
          --furui $<TARGET_FILE:furui> --workdir ${CMAKE_CURRENT_BINARY_DIR}/bands --plot si)
set_tests_properties(bands_vs_abinit_si PROPERTIES LABELS "peer" TIMEOUT 300
  SKIP_RETURN_CODE 77 ENVIRONMENT "OMP_NUM_THREADS=1;OPENBLAS_NUM_THREADS=1")
