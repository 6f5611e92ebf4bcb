# ctest -R ncsn_bench_smoke: the shortest run of ncsn-bench, then the JSON's keys.
execute_process(COMMAND ${BENCH} --steps 2 --repeats 1 --warmup 0 --train-steps 1 --train-batch 8 --config small
                        --batches 1 --threads 1 --json ${OUT}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ncsn-bench exited with ${rc}")
endif()
file(READ ${OUT} report)
foreach(key engine torch device threads peak_host_mib others_busy_cores_max)
  string(JSON value ERROR_VARIABLE error GET "${report}" ${key})
  if(error)
    message(FATAL_ERROR "no '${key}' in ${OUT}: ${error}")
  endif()
endforeach()
foreach(key name parameters conv_gflop_per_image train_iters_per_s first_frame_ms_batch16 peak_device_mib
            train_iters_per_s_others_busy_cores first_frame_ms_batch16_min
            langevin.0.batch langevin.0.steps_per_s langevin.0.images_per_s langevin.0.gflop_per_s
            langevin.0.steps_per_s_min langevin.0.steps_per_s_max langevin.0.steps_per_s_others_busy_cores)
  string(REPLACE "." ";" path "${key}")
  string(JSON value ERROR_VARIABLE error GET "${report}" configs 0 ${path})
  if(error)
    message(FATAL_ERROR "no 'configs.0.${key}' in ${OUT}: ${error}")
  endif()
endforeach()
# The median of the timed runs lies between their slowest and fastest.
string(JSON low GET "${report}" configs 0 langevin 0 steps_per_s_min)
string(JSON mid GET "${report}" configs 0 langevin 0 steps_per_s)
string(JSON high GET "${report}" configs 0 langevin 0 steps_per_s_max)
if(low GREATER mid OR mid GREATER high OR NOT low GREATER 0)
  message(FATAL_ERROR "steps/s min ${low}, median ${mid}, max ${high} are out of order")
endif()
