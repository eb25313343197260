# Pseudopotential readers end to end (issue 17): a run on PseudoDojo psp8 files and on their
# UPF v2 twins (validation/psp8_to_upf.py) must agree; skipped without Debian's abinit files.
add_test(NAME psp_upf_twin
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/upf_twin_test.py $<TARGET_FILE:furui>
          ${CMAKE_CURRENT_BINARY_DIR}/psp_upf_twin_work)
set_tests_properties(psp_upf_twin PROPERTIES LABELS "physics;psp" TIMEOUT 300
  SKIP_RETURN_CODE 77)
# A campaign on a table directory keeps the file read, its format, valence and hints in the
# results file and the export, and rank's SCF input names that file (issue 17).
add_test(NAME psp_provenance
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/psp_provenance_test.py $<TARGET_FILE:furui>
          ${CMAKE_CURRENT_BINARY_DIR}/psp_provenance_work)
set_tests_properties(psp_provenance PROPERTIES LABELS "psp;export;screen" TIMEOUT 300
  SKIP_RETURN_CODE 77)
