"""The Lightning callback runs the monitors inside Trainer.fit."""

import torch
from lightning.fabric.plugins.environments import LightningEnvironment
from lightning.pytorch import LightningModule, Trainer
from torch import nn

from infoscope.torch import InformationPlane, LayerTransferEntropy, lightning_callback


class Classifier(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3), nn.Tanh(), nn.Linear(3, 2))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self(x), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-2)


def test_callback_updates_the_plane_and_the_transfer_every_epoch():
    torch.manual_seed(0)
    x = torch.randn(200, 4)
    y = (x[:, 0] + x[:, 1] > 0).long()
    module = Classifier()
    plane = InformationPlane(module, x, y, layers=nn.Tanh)
    transfer = LayerTransferEntropy(module, layers=nn.Tanh, window=100)
    trainer = Trainer(max_epochs=3, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False, accelerator="cpu",
                      # An explicit environment: Lightning's cluster detection imports mpi4py where installed.
                      plugins=[LightningEnvironment()], callbacks=[lightning_callback(plane, transfer)])
    trainer.fit(module, torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=50))
    assert sorted({r.epoch for r in plane.rows}) == [0, 1, 2, 3]
    assert {r.layer for r in plane.rows} == {"net.1", "net.3"}
    assert [r.epoch for r in transfer.rows] == [1, 2, 3] and all(r.samples == 200 for r in transfer.rows)
    assert not transfer.recorder.attached
