"""A variational autoencoder in the style of the PyTorch examples, on generated 8x8 binary
images (a few random prototypes with pixels flipped)."""

import argparse

import autograd_np as torch
import autograd_np.nn.functional as F
from autograd_np import nn, optim
from autograd_np.utils.data import DataLoader, TensorDataset


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()

        self.fc1 = nn.Linear(64, 32)
        self.fc21 = nn.Linear(32, 4)
        self.fc22 = nn.Linear(32, 4)
        self.fc3 = nn.Linear(4, 32)
        self.fc4 = nn.Linear(32, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")

    # see Appendix B from VAE paper:
    # Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

    return BCE + KLD


def make_images(n, generator):
    prototypes = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(3)) > 0.5
    picks = torch.randint(4, (n,), generator=generator)
    flips = torch.rand(n, 1, 8, 8, generator=generator) < 0.05
    images = (prototypes[picks] ^ flips).float()
    return TensorDataset(images, picks)


def main(argv=None):
    parser = argparse.ArgumentParser(description="VAE Example")
    parser.add_argument("--batch-size", type=int, default=32, metavar="N")
    parser.add_argument("--epochs", type=int, default=4, metavar="N")
    parser.add_argument("--no-accel", action="store_true")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--log-interval", type=int, default=4, metavar="N")
    args = parser.parse_args(argv)

    use_accel = not args.no_accel and torch.accelerator.is_available()

    torch.manual_seed(args.seed)

    if use_accel:
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")

    print(f"Using device: {device}")

    kwargs = {"num_workers": 1, "pin_memory": True} if use_accel else {}
    data_gen = torch.Generator().manual_seed(args.seed)
    train_loader = DataLoader(
        make_images(256, data_gen), batch_size=args.batch_size, shuffle=True, **kwargs
    )
    test_loader = DataLoader(
        make_images(64, data_gen), batch_size=args.batch_size, shuffle=False, **kwargs
    )

    model = VAE().to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)

    def train(epoch):
        model.train()
        train_loss = 0
        for batch_idx, (data, _) in enumerate(train_loader):
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            if batch_idx % args.log_interval == 0:
                print(
                    "Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                        epoch,
                        batch_idx * len(data),
                        len(train_loader.dataset),
                        100.0 * batch_idx / len(train_loader),
                        loss.item() / len(data),
                    )
                )
        average = train_loss / len(train_loader.dataset)
        print(f"====> Epoch: {epoch} Average loss: {average:.4f}")
        return average

    def test(epoch):
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for i, (data, _) in enumerate(test_loader):
                data = data.to(device)
                recon_batch, mu, logvar = model(data)
                test_loss += loss_function(recon_batch, data, mu, logvar).item()
                if i == 0:
                    n = min(data.size(0), 8)
                    comparison = torch.cat(
                        [data[:n], recon_batch.view(args.batch_size, 1, 8, 8)[:n]]
                    )
                    assert comparison.shape == (2 * n, 1, 8, 8)

        test_loss /= len(test_loader.dataset)
        print(f"====> Test set loss: {test_loss:.4f}")
        return test_loss

    train_losses, test_losses = [], []
    for epoch in range(1, args.epochs + 1):
        train_losses.append(train(epoch))
        test_losses.append(test(epoch))
        with torch.no_grad():
            sample = torch.randn(16, 4).to(device)
            sample = model.decode(sample).cpu()
            assert sample.view(16, 1, 8, 8).shape == (16, 1, 8, 8)
    return train_losses, test_losses


if __name__ == "__main__":
    main()
