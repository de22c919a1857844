# mq_add_fuzzer(NAME name SOURCES fuzz.cc ... LIBS lib ... [CORPUS dir])
# A fuzz target defines LLVMFuzzerTestOneInput. Under the `fuzz` preset (clang, MQ_BUILD_FUZZ=ON)
# it becomes a libFuzzer binary `name`. In every other build it is linked with a replay driver
# and registered as the ctest `name_replay` (label `fuzz`): it runs the seed corpus plus a fixed
# number of deterministic mutations of it, so CI exercises every decoder (under ASan in the asan
# preset) without needing clang.
function(mq_add_fuzzer)
  cmake_parse_arguments(F "" "NAME;CORPUS" "SOURCES;LIBS" ${ARGN})
  if(MQ_BUILD_FUZZ)
    add_executable(${F_NAME} ${F_SOURCES})
    target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
    target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${F_NAME}_replay ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    target_link_libraries(${F_NAME}_replay PRIVATE ${F_LIBS} mq_base)
    set(corpus_arg "")
    if(F_CORPUS)
      set(corpus_arg ${F_CORPUS})
    endif()
    add_test(NAME ${F_NAME}_replay COMMAND ${F_NAME}_replay ${corpus_arg})
    set_tests_properties(${F_NAME}_replay PROPERTIES LABELS "fuzz" TIMEOUT 300)
  endif()
endfunction()
