# Fuzz harnesses of furui's parsers (tests/fuzz/README.md). Included at the end
# of tests/CMakeLists.txt.
#
# Every tests/fuzz/fuzz_NAME.c is one harness (LLVMFuzzerTestOneInput) with a
# seed corpus in corpus/NAME/ and crash reproducers in regressions/NAME/.
#   - Any build: the harness is linked with replay_driver.c, and the ctest
#     fuzz_NAME_replay (labels unit;fuzz) runs it on every seed and regression
#     (except regressions named open-*: bugs not fixed yet).
#   - Clang with -DFURUI_FUZZ=ON: furui_lib is instrumented with
#     -fsanitize=fuzzer-no-link (plus ASan/UBSan), the harness is a libFuzzer
#     binary, fuzz_NAME_replay runs it on the same files, and fuzz_NAME_run
#     (label fuzz, fuzz_run.cmake) fuzzes for FURUI_FUZZ_SECONDS from the seeds.
option(FURUI_FUZZ "Build libFuzzer harnesses (needs clang)" OFF)
set(FURUI_FUZZ_SECONDS 8 CACHE STRING "Seconds per harness of the short fuzz runs (ctest -L fuzz)")

set(furui_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(furui_fuzz_libfuzzer OFF)
if(FURUI_FUZZ)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(furui_fuzz_libfuzzer ON)
    target_compile_options(furui_lib PRIVATE -fsanitize=fuzzer-no-link)
    if(NOT FURUI_SANITIZE)
      target_compile_options(furui_lib PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer)
      target_link_options(furui_lib INTERFACE -fsanitize=address,undefined)
    endif()
  else()
    message(WARNING "FURUI_FUZZ needs clang (CC=clang); building the replay drivers only")
  endif()
endif()

add_custom_target(furui_fuzz)  # builds every harness: cmake --build B --target furui_fuzz
file(GLOB furui_fuzz_harnesses CONFIGURE_DEPENDS ${furui_fuzz_dir}/fuzz_*.c)
foreach(src ${furui_fuzz_harnesses})
  get_filename_component(name ${src} NAME_WE)        # fuzz_yamldoc
  string(REGEX REPLACE "^fuzz_" "" short ${name})    # yamldoc
  set(seeds ${furui_fuzz_dir}/corpus/${short})
  set(regs ${furui_fuzz_dir}/regressions/${short})
  # Regression inputs named open-* reproduce a bug not fixed yet: they are
  # kept but not replayed; the fix drops the prefix (README.md).
  file(GLOB seed_files CONFIGURE_DEPENDS ${seeds}/*)
  file(GLOB reg_files CONFIGURE_DEPENDS ${regs}/*)
  list(FILTER reg_files EXCLUDE REGEX "/open-[^/]*$")
  set(inputs ${seed_files} ${reg_files})

  if(furui_fuzz_libfuzzer)
    add_executable(${name} ${src})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${src} ${furui_fuzz_dir}/replay_driver.c)
  endif()
  target_link_libraries(${name} PRIVATE furui_lib)
  add_dependencies(furui_fuzz ${name})
  target_compile_definitions(${name} PRIVATE FURUI_FUZZ_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data")

  if(furui_fuzz_libfuzzer)
    set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/${short})
    add_test(NAME ${name}_replay COMMAND ${name} -rss_limit_mb=4096 ${inputs})
    add_test(NAME ${name}_run
      COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:${name}> -DWORK=${work} -DSEEDS=${seeds}
              -DSECONDS=${FURUI_FUZZ_SECONDS} -P ${furui_fuzz_dir}/fuzz_run.cmake)
    set_tests_properties(${name}_run PROPERTIES LABELS "fuzz" TIMEOUT 300)
  else()
    add_test(NAME ${name}_replay COMMAND ${name} ${inputs})
  endif()
  set_tests_properties(${name}_replay PROPERTIES LABELS "unit;fuzz" TIMEOUT 300)
endforeach()
