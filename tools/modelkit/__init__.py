"""ActionStream model kit: synthetic action data, demo models, manifests and ONNX export."""
import os

# PyTorch's OpenMP threads spin while they wait; on a small shared machine (2 cores, other
# processes busy) that made training 5x slower. Passive waiting costs nothing when idle.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
