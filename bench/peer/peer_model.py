"""The peer's encoder classifier (PyTorch), shared by torch_kd.py (the KD benchmark) and export_teacher_onnx.py
(the same teacher as an ONNX file), so both build exactly the same module from the same seed.

Token embedding + learned positions, `layers` pre-norm nn.TransformerEncoderLayer blocks (GELU, dropout 0.1),
mean pooling over the sequence, then a linear head: ids [batch, seq] int64 -> logits [batch, CLASSES].
"""
import torch
import torch.nn as nn
from flops import VOCAB, MAXLEN, CLASSES


class Encoder(nn.Module):
    def __init__(self, d, layers, heads, ffn, maxlen=MAXLEN):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, d)
        self.pos = nn.Parameter(torch.randn(maxlen, d) * 0.02)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(d, heads, ffn, dropout=0.1, activation="gelu",
                                       batch_first=True, norm_first=True)
            for _ in range(layers))
        self.head = nn.Linear(d, CLASSES)

    def forward(self, ids):
        x = self.tok(ids) + self.pos[: ids.shape[1]]  # [batch, seq, d]
        for blk in self.blocks:
            x = blk(x)
        return self.head(x.mean(dim=1))  # [batch, CLASSES]
