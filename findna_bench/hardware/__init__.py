"""The machine: environment facts for records, speed and memory measurement, the GPU readiness check."""
