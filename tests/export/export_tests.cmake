# Round trip of furui export (tests/export/export_test.py): screens tiny.yaml and fail.yaml,
# exports, reads every file back (pandas, csv, h5py, ASE). Run: ctest -L export. ~10 s, 1 rank.
# Needs Debian python3-pandas, python3-h5py, python3-ase.
if(NOT FURUI_PYTHON)
  set(FURUI_PYTHON /usr/bin/python3)
endif()
add_test(NAME export_roundtrip
  COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/export_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/export)
set_tests_properties(export_roundtrip PROPERTIES LABELS "export" TIMEOUT 300)
# RDE packages, furui validate and the MDR draft (tests/export/rde_test.py): screens tiny.yaml,
# exports with --rde, checks with zipfile/json/jsonschema/sha256sum/PyYAML and corrupts copies.
# ~10 s, 1 rank. Needs Debian python3-h5py, python3-jsonschema, python3-yaml, python3-pil.
add_test(NAME export_rde
  COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/rde_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/rde)
set_tests_properties(export_rde PROPERTIES LABELS "export" TIMEOUT 300)
# A campaign of three sweeps merged and exported (tests/export/multisweep_test.py): merge with
# several --sweep, every sweep text kept, campaign name, settings groups. ~10 s, 1 rank.
add_test(NAME export_multisweep
  COMMAND ${FURUI_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/multisweep_test.py --furui $<TARGET_FILE:furui>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/multisweep)
set_tests_properties(export_multisweep PROPERTIES LABELS "export" TIMEOUT 300)
