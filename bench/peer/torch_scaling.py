"""One point of `npm run bench -- --scaling` for PyTorch: the cached KD step (teacher logits given) and the student's
batch-1 forward for one student shape and sequence length, 2 threads. Prints one JSON line.
Run with Debian's python from this folder: /usr/bin/python3 torch_scaling.py '{"dModel":256,...,"seq":128,"steps":5}'"""
import json, resource, sys
import torch
import torch.nn.functional as F
from flops import VOCAB, BATCH, CLASSES
from peer_model import Encoder
from timing import timed

T, ALPHA = 4.0, 0.7
p = json.loads(sys.argv[1])
torch.set_num_threads(2)
torch.manual_seed(0)
student = Encoder(p["dModel"], p["numLayers"], p["numHeads"], p["ffnDim"], maxlen=p["seq"]).train()
opt = torch.optim.AdamW(student.parameters(), lr=1e-4)
ids = torch.randint(1, VOCAB, (BATCH, p["seq"]))
y = torch.randint(0, CLASSES, (BATCH,))
cached = torch.randn(BATCH, CLASSES) * 2




def kd_step():
    s = student(ids)
    kl = F.kl_div(F.log_softmax(s / T, -1), F.softmax(cached / T, -1), reduction="batchmean")
    loss = ALPHA * T * T * kl + (1 - ALPHA) * F.cross_entropy(s, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


step_s = timed(kd_step, 1, p["steps"])
student.eval()
with torch.no_grad():
    b1_s = timed(lambda: student(ids[:1]), 2, max(5, 4 * p["steps"]))
print(json.dumps({"threads": 2, "cachedStepSamplesPerS": BATCH / step_s, "b1Ms": b1_s * 1000,
                  "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
