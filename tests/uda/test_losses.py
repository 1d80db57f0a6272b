"""The image baselines' losses behave as defined."""
import torch

from uda_video.models.uda import adversarial_loss, entropy_loss, entropy_map


def test_entropy_map_bounds():
    k = 5
    uniform = torch.full((1, k, 2, 2), 1.0 / k)
    certain = torch.zeros(1, k, 2, 2)
    certain[:, 0] = 1.0
    assert torch.allclose(entropy_map(uniform), torch.ones(1, 2, 2), atol=1e-5)
    assert entropy_map(certain).max() < 1e-5


def test_entropy_minimisation_lowers_entropy_on_fixed_batch():
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 6, 6, requires_grad=True)
    opt = torch.optim.SGD([logits], lr=200.0)
    start = entropy_loss(logits).item()
    labels_before = logits.argmax(1).clone()
    for _ in range(30):
        opt.zero_grad()
        entropy_loss(logits).backward()
        opt.step()
    end = entropy_loss(logits).item()
    assert end < 0.5 * start
    # Sharpening keeps each pixel's decision.
    assert torch.equal(logits.argmax(1), labels_before)


def test_adversarial_losses():
    d = torch.tensor([[1.0, 0.0]])
    assert torch.isclose(adversarial_loss(d, True, 'ls'), torch.tensor(0.5))
    assert torch.isclose(adversarial_loss(d, False, 'ls'), torch.tensor(0.5))
    big = torch.full((3, ), 10.0)
    assert adversarial_loss(big, True, 'bce') < 1e-3
    assert adversarial_loss(big, False, 'bce') > 9.0
    try:
        adversarial_loss(d, True, 'wgan')
    except ValueError as e:
        assert 'wgan' in str(e)
    else:
        raise AssertionError('unknown gan_type accepted')
