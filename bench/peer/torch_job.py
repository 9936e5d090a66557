"""The end-to-end job in PyTorch, the peer of `bench/job.ts` (tfdistill's distill() on the same workload), measured.

Same work as distill() does in bench/job.ts: 10,000 examples of 128 random ids, teacher d256 x 4 blocks, student
d128 x 2 blocks, 3 epochs of shuffled batches of 32 (the last, partial batch included: 939 updates), T = 4,
alpha = 0.7, AdamW lr 1e-4 / weight decay 0.01, linear warmup over 6% of the updates then linear decay to 0 (HF's
get_linear_schedule_with_warmup), global-norm clipping at 1, dropout 0.1, the loss read every 50 updates, a
checkpoint (student, optimizer, scheduler) at the end of every epoch and the student's weights saved at the end.

  --teacher cached  run the teacher once over the training rows (eval mode, no_grad, batch 32), keep its logits,
                    then train on them: the loop that distill() runs (its teacher cache)
  --teacher live    run the teacher on every batch inside the loop (the usual PyTorch KD loop)

Run (from this folder): /usr/bin/python3 torch_job.py --teacher cached [--examples 10000] [--epochs 3]
Prints progress on stderr and one JSON line on stdout: wall seconds end to end, teacher pass, training + saving.
"""
import argparse, json, os, sys, tempfile, time
import torch
import torch.nn.functional as F
from flops import VOCAB, SEQ, BATCH, CLASSES, TEACHER, STUDENT, loaded_blas
from peer_model import Encoder

THREADS, T, ALPHA, LR, WEIGHT_DECAY, CLIP, LOG_EVERY = 2, 4.0, 0.7, 1e-4, 0.01, 1.0, 50


def kd_loss(s, t, y):
    kl = F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="batchmean")
    return ALPHA * T * T * kl + (1 - ALPHA) * F.cross_entropy(s, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", choices=("cached", "live"), required=True)
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    log = lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}", file=sys.stderr, flush=True)

    teacher, student = Encoder(**TEACHER).eval(), Encoder(**STUDENT).train()
    teacher.requires_grad_(False)
    ids = torch.randint(1, VOCAB, (args.examples, SEQ))
    labels = torch.randint(0, CLASSES, (args.examples,))
    batches_per_epoch = -(-args.examples // BATCH)
    total = batches_per_epoch * args.epochs
    warmup = int(0.06 * total)
    opt = torch.optim.AdamW(student.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    out = tempfile.mkdtemp(prefix="torch-job-")

    cached, teacher_s = None, 0.0
    if args.teacher == "cached":
        log(f"running the teacher once over {args.examples} training rows")
        with torch.no_grad():
            cached = torch.cat([teacher(ids[i:i + BATCH]) for i in range(0, args.examples, BATCH)])
        teacher_s = time.perf_counter() - t0
        log(f"teacher pass {teacher_s:.1f} s")

    train_start = time.perf_counter()
    step = samples = 0
    for epoch in range(args.epochs):
        order = torch.randperm(args.examples)
        for b in range(batches_per_epoch):
            rows = order[b * BATCH:(b + 1) * BATCH]
            x, y = ids[rows], labels[rows]
            if cached is None:
                with torch.no_grad():
                    t = teacher(x)
            else:
                t = cached[rows]
            loss = kd_loss(student(x), t, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(student.parameters(), CLIP)
            opt.step()
            sched.step()
            step += 1
            samples += len(rows)
            if step % LOG_EVERY == 0 or step == total:
                rate = samples / (time.perf_counter() - train_start)
                log(f"epoch {epoch + 1}/{args.epochs} step {step}/{total} loss {loss.item():.4f} "
                    f"lr {sched.get_last_lr()[0]:.2e} {rate:.0f} samples/s")
        torch.save({"student": student.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "step": step}, os.path.join(out, f"checkpoint-{step}.pt"))
    torch.save(student.state_dict(), os.path.join(out, "student.pt"))
    end = time.perf_counter()
    seconds_training = end - train_start
    print(json.dumps({
        "bench": "torch_job", "teacher": args.teacher, "examples": args.examples, "epochs": args.epochs, "steps": step,
        "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": loaded_blas(),
        "end_to_end_s": end - t0, "teacher_pass_s": teacher_s, "training_and_saving_s": seconds_training,
        "samples_per_s_training": samples / seconds_training,
    }))


if __name__ == "__main__":
    main()
