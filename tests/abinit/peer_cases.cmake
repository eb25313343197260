# Live comparisons with ABINIT (the Debian package /usr/bin/abinit, installed by .ci/run):
# validation/compare_with_abinit.py runs both codes on a system of validation/systems/ and
# checks energy, terms, eigenvalues, k-points, forces and stress (label "peer"). A small,
# fast subset (~30 s on 2 cores): hexagonal metal with Fermi-Dirac smearing, polar
# hexagonal insulator (net-force convention), Methfessel-Paxton metal, triclinic P1 cell,
# Si with PBE (libxc GGA in both codes, GTH-PBE psp from tests/abinit/psp), semicore Tc with
# CP2K's GTH-PBE-q15 (two projectors with Krack's off-diagonal h in s, p and d), and bcc Fe
# with collinear spin (nsppol 2: energy, both spin channels' eigenvalues, stress and
# magnetization; ~5 s), and bcc Na with Gaussian smearing (one occupied band: the empty
# bands' eigenvalues at Γ came out 1e-4 Ha off when the eigensolver stopped on the
# occupied ones alone).
# The whole set: validation/README.md. Included from tests/cli.cmake.
find_program(FURUI_ABINIT_EXE abinit PATHS /usr/bin)
if(NOT FURUI_ABINIT_EXE)
  set(FURUI_ABINIT_EXE /usr/bin/abinit)   # the tests then report "skipped" (exit 77)
endif()
set(FURUI_PEER_SYSTEMS mg_hcp_fd aln_wurtzite al_fcc_mp sic_triclinic si_pbe_gth tc_sc_gth si_lda_pw92
    fe_bcc_spin na_bcc_gauss
    # ONCV (PseudoDojo psp8 of Debian's abinit package, model core charges): PBE Si with forces
    # and stress, an LDA oxide, a PBE metal with smearing, a strained triclinic LDA cell
    si_psp8_pbe mgo_psp8_lda al_psp8_pbe sic_psp8_lda)
foreach(sys ${FURUI_PEER_SYSTEMS})
  add_test(NAME peer_${sys}
    COMMAND ${FURUI_PYTHON} ${PROJECT_SOURCE_DIR}/validation/compare_with_abinit.py
            --furui $<TARGET_FILE:furui> --abinit ${FURUI_ABINIT_EXE} --skip-without-abinit
            --workdir ${CMAKE_CURRENT_BINARY_DIR}/peer
            ${PROJECT_SOURCE_DIR}/validation/systems/${sys}.json)
  set_tests_properties(peer_${sys} PROPERTIES LABELS "peer" TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()

# PBE: furui against DFTK's Si PBE reference (research note R13), no ABINIT needed.
add_test(NAME pbe_si_dftk
  COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_pbe_si_dftk.py
          --furui $<TARGET_FILE:furui> --workdir ${CMAKE_CURRENT_BINARY_DIR}/pbe)
set_tests_properties(pbe_si_dftk PROPERTIES LABELS "physics" TIMEOUT 600)
