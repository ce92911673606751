-- POST a fixed form body with HTTP Basic client authentication.
-- BENCH_PATH, BENCH_BODY and BENCH_BASIC (base64 of id:secret) come from the environment.
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH")
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
