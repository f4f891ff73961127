"""`voicebuddy bench`: voice-to-voice latency, engine overhead, memory and start-up.

`runner.run` puts the pieces together; each measurement lives in its own small module.
"""
