# One short fuzz run (ctest fuzz_NAME_run): starts from the seed corpus with an
# empty scratch corpus, so every run begins from the same state.
#   cmake -DFUZZER=... -DWORK=... -DSEEDS=... -DSECONDS=... -P fuzz_run.cmake
file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=30 -rss_limit_mb=4096
          -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus ${SEEDS}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); reproducer in ${WORK}/artifacts/ (tests/fuzz/README.md)")
endif()
