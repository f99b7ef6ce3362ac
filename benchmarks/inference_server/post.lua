-- wrk script: POST /v1/completions for customers customer-0001 .. customer-NNNN in turn.
local customers = tonumber(os.getenv("AWSMP_BENCH_CUSTOMERS") or "100")
local counter = 0
wrk.method = "POST"
wrk.body = '{"prompt": "Summarise the quarterly report in three sentences, please.", "max_tokens": 256}'
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  wrk.headers["x-customer-id"] = string.format("customer-%04d", counter % customers + 1)
  return wrk.format(nil, "/v1/completions")
end
response = function(status, headers, body)
  if status ~= 200 then
    error("unexpected status " .. status .. ": " .. body)
  end
end
