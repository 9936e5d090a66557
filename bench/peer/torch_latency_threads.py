"""The peer student's batch-1 forward (128 tokens) at 1 and at 2 threads: what PyTorch's batch-1 latency is made of.
Run with Debian's python from this folder: /usr/bin/python3 torch_latency_threads.py"""
import statistics, time
import torch
from flops import VOCAB, SEQ, STUDENT, loaded_blas
from peer_model import Encoder

torch.manual_seed(0)
student = Encoder(**STUDENT).eval()
ids = torch.randint(1, VOCAB, (1, SEQ))
for threads in (1, 2):
    torch.set_num_threads(threads)
    with torch.no_grad():
        for _ in range(10):
            student(ids)
        times = []
        for _ in range(100):
            t0 = time.perf_counter()
            student(ids)
            times.append(time.perf_counter() - t0)
    print(f"threads {threads}: student batch-1 forward, median of 100: {1000 * statistics.median(times):.2f} ms")
print("BLAS:", loaded_blas())
