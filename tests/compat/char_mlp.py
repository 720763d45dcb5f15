"""A character-level name model in the style of makemore: the bigram counts model, then an
MLP over a context of 3 characters trained with raw tensors (``requires_grad = True``,
``p.grad = None``, ``p.data += -lr * p.grad``), sampled with ``torch.multinomial``.

The names are generated from syllables, so the script needs no download.
"""

import random

import autograd_np as torch
import autograd_np.nn.functional as F


def make_words(n, seed):
    rng = random.Random(seed)
    onsets = ["b", "d", "k", "l", "m", "n", "r", "s", "t", "v"]
    vowels = ["a", "e", "i", "o", "u"]
    codas = ["", "", "n", "r", "s"]
    words = []
    for _ in range(n):
        syllables = rng.randint(1, 3)
        words.append(
            "".join(
                rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                for _ in range(syllables)
            )
        )
    return words


def bigram_loss(words, stoi):
    N = torch.zeros((27, 27), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    log_likelihood = 0.0
    n = 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            log_likelihood += torch.log(P[stoi[ch1], stoi[ch2]])
            n += 1
    return (-log_likelihood / n).item(), P


def build_dataset(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    return X, Y


def main(steps=300, seed=42):
    words = make_words(500, seed)
    chars = [chr(ord("a") + i) for i in range(26)]
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    vocab_size = 27

    uniform = -torch.log(torch.tensor(1.0 / vocab_size)).item()
    bigram, P = bigram_loss(words, stoi)
    print(f"uniform {uniform:.4f}  bigram {bigram:.4f}")

    block_size = 3
    random.seed(seed)
    random.shuffle(words)
    n1 = int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi, block_size)
    Xdev, Ydev = build_dataset(words[n1:], stoi, block_size)

    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((vocab_size, 10), generator=g)
    W1 = torch.randn((30, 64), generator=g) * (5 / 3) / (30**0.5)
    b1 = torch.randn(64, generator=g) * 0.01
    W2 = torch.randn((64, vocab_size), generator=g) * 0.01
    b2 = torch.randn(vocab_size, generator=g) * 0
    parameters = [C, W1, b1, W2, b2]
    print(sum(p.nelement() for p in parameters), "parameters")
    for p in parameters:
        p.requires_grad = True

    lossi = []
    for i in range(steps):
        # minibatch construct
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]

        # forward pass
        emb = C[Xb]  # (32, 3, 10)
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)  # (32, 64)
        logits = h @ W2 + b2  # (32, 27)
        loss = F.cross_entropy(logits, Yb)

        # backward pass
        for p in parameters:
            p.grad = None
        loss.backward()

        # update
        lr = 0.1 if i < steps * 3 // 4 else 0.01
        for p in parameters:
            p.data += -lr * p.grad

        if i % 50 == 0:
            print(f"{i:7d}/{steps:7d}: {loss.item():.4f}")
        lossi.append(loss.log10().item())

    @torch.no_grad()
    def split_loss(X, Y):
        emb = C[X]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        logits = h @ W2 + b2
        return F.cross_entropy(logits, Y).item()

    dev = split_loss(Xdev, Ydev)
    print(f"dev loss {dev:.4f}")

    g = torch.Generator().manual_seed(2147483647 + 10)
    samples = []
    for _ in range(5):
        out = []
        context = [0] * block_size
        while True:
            emb = C[torch.tensor([context])]
            h = torch.tanh(emb.view(1, -1) @ W1 + b1)
            logits = h @ W2 + b2
            probs = F.softmax(logits, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            if ix == 0 or len(out) > 20:
                break
            out.append(ix)
        samples.append("".join(itos[i] for i in out))
    print(samples)
    return {"uniform": uniform, "bigram": bigram, "lossi": lossi, "dev": dev, "samples": samples}


if __name__ == "__main__":
    main()
