"""Exports the peer's standard teacher (torch_kd.py's: Encoder(**TEACHER) built right after torch.manual_seed(0),
eval mode) to ONNX, for tfdistill's ONNX-teacher figures (bench/onnx-teacher.ts, bench/job.ts --onnx-teacher).

Run: /usr/bin/python3 export_teacher_onnx.py [out.onnx]     (default: ../.cache/peer-teacher.onnx, i.e. bench/.cache/)
Writes out.onnx (opset 14; input `input_ids` int64 [batch, seq], output `logits` float32 [batch, 2], batch and seq
dynamic) and out.check.json (one batch of ids with torch's logits, which bench/onnx-teacher.ts compares with ONNX
Runtime's), then prints one JSON line.

Why the export traces with gradients enabled: in eval mode under torch.no_grad(), nn.TransformerEncoderLayer takes its
fused fast path (torch._transformer_encoder_layer_fwd), which has no ONNX symbolic in torch 1.13 (and 1.13 has no
torch.backends.mha.set_fastpath_enabled). With gradients enabled and weights that require them, the layer takes its
regular path (MultiheadAttention, LayerNorm, Linear, GELU): the same function, exportable op by op. The printed
`max_abs_diff_fastpath_vs_exported_path` is the difference between the two paths on one batch.
"""
import json, os, sys
import torch
from flops import VOCAB, BATCH, SEQ, TEACHER
from peer_model import Encoder

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(HERE, "..", ".cache", "peer-teacher.onnx")
OPSET = 14

torch.manual_seed(0)  # as torch_kd.py: the teacher is the first module built after seeding, so it has the same weights
teacher = Encoder(**TEACHER).eval()
check_ids = torch.randint(1, VOCAB, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))  # [batch, seq]

with torch.no_grad():
    fast = teacher(check_ids)  # the fast path, as torch_kd.py times the teacher
assert torch.is_grad_enabled() and all(p.requires_grad for p in teacher.parameters())
regular = teacher(check_ids).detach()  # the regular path, the one traced below

os.makedirs(os.path.dirname(OUT), exist_ok=True)
torch.onnx.export(teacher, (check_ids,), OUT, opset_version=OPSET, input_names=["input_ids"], output_names=["logits"],
                  dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch"}}, do_constant_folding=True)

check = OUT[: -len(".onnx")] + ".check.json" if OUT.endswith(".onnx") else OUT + ".check.json"
with open(check, "w") as f:
    json.dump({"shape": list(check_ids.shape), "input_ids": check_ids.flatten().tolist(),
               "logits": regular.flatten().tolist(), "torch": torch.__version__, "opset": OPSET}, f)

print(json.dumps({"bench": "export_teacher_onnx", "onnx": OUT, "check": check, "torch": torch.__version__,
                  "opset": OPSET, "bytes": os.path.getsize(OUT),
                  "params": sum(p.numel() for p in teacher.parameters()),
                  "max_abs_diff_fastpath_vs_exported_path": (fast - regular).abs().max().item()}))
