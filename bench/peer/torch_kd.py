"""KD training benchmark, PyTorch (Debian python3-torch 1.13, CPU).
Run: /usr/bin/python3 torch_kd.py      -> one JSON line on stdout."""
import json
import torch
import torch.nn.functional as F
from flops import VOCAB, BATCH, SEQ, CLASSES, TEACHER, STUDENT, flops, loaded_blas
from peer_model import Encoder
from timing import timed

THREADS, T, ALPHA, LR, WARMUP, STEPS = 2, 4.0, 0.7, 1e-4, 3, 10
torch.set_num_threads(THREADS)
torch.manual_seed(0)


def kd_loss(s, t, y):
    kl = F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="batchmean")
    return ALPHA * T * T * kl + (1 - ALPHA) * F.cross_entropy(s, y)




teacher, student = Encoder(**TEACHER).eval(), Encoder(**STUDENT).train()
teacher.requires_grad_(False)
opt = torch.optim.AdamW(student.parameters(), lr=LR)
ids = torch.randint(1, VOCAB, (BATCH, SEQ))
y = torch.randint(0, CLASSES, (BATCH,))
losses = []


def kd_step(cached_t=None):
    if cached_t is None:
        with torch.no_grad():
            t = teacher(ids)
    else:
        t = cached_t
    loss = kd_loss(student(ids), t, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    losses.append(loss.item())


with torch.no_grad():
    cached = teacher(ids)
res = {"bench": "torch_kd", "torch": torch.__version__, "threads": torch.get_num_threads(),
       "blas": loaded_blas(), "mkldnn": torch.backends.mkldnn.is_available(),
       "optimizer": "AdamW(lr=1e-4, wd=0.01)"}
res["kd_step_s"] = timed(kd_step, WARMUP, STEPS)
res["kd_cached_step_s"] = timed(lambda: kd_step(cached), WARMUP, STEPS)
res["loss_first_last"] = [losses[0], losses[-1]]
student.eval()
with torch.no_grad():
    res["teacher_fwd_b32_s"] = timed(lambda: teacher(ids), WARMUP, STEPS)
    res["student_fwd_b32_s"] = timed(lambda: student(ids), WARMUP, STEPS)
    res["student_fwd_b1_s"] = timed(lambda: student(ids[:1]), WARMUP, 50)
fl = flops()
for k in ("kd_step", "kd_cached_step", "teacher_fwd_b32", "student_fwd_b32", "student_fwd_b1"):
    b = 1 if k.endswith("b1") else BATCH
    res[k + "_samples_per_s"] = b / res[k + "_s"]
    res[k + "_gflops"] = fl[k] / res[k + "_s"] / 1e9
print(json.dumps(res))
