"""Exact resume of every video segmentor on the synthetic benchmark:
benchmarks/soak_resume.py kills each run with SIGKILL after its iteration-2
checkpoint and resumes; the final checkpoint (weights, buffers, optimizer
states) must equal an uninterrupted run's. The configs keep their data loader
workers (2, persistent); batches of 2 clips (batch statistics of pooled
features need more than one sample), 64 x 64 crops where the model allows.

- DFF: (current, key) pairs at a random key distance, FlowNetS and the scale
  field trained end to end (128 x 128: FlowNetS needs 64 pixels at half size);
- Clockwork (adaptive clock): the per-frame network;
- TDNet (TD4-PSP18): a random key path per clip (torch's generator), four
  sub-networks and the attention propagation;
- TCD (temporal loss only): (t, t-1) pairs with ground-truth flow.
"""
import pytest

from soak_helpers import SoakCase, check_exact, small_crops

DATA = 'train_dataloader.dataset'


def clips(batch=2, crop64=True):
    """Options of a config training on CityscapesSeqDataset clips."""
    def options(root, work):
        opts = [f'{DATA}.data_root={root}/cityscapes',
                f'{DATA}.snippet_length=6',
                f'train_dataloader.batch_size={batch}']
        if crop64:
            opts += small_crops(f'{DATA}.pipeline',
                                ['model.data_preprocessor'])
        return opts
    return options


CASES = [
    SoakCase('dff',
             'configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py',
             clips(batch=1, crop64=False), cost=3),
    SoakCase('clockwork', 'configs/clockwork/'
             'clockwork-adaptive_deeplabv3plus_r18-half-d8_synthetic.py',
             clips()),
    SoakCase('tdnet', 'configs/tdnet/tdnet_td4-psp18_synthetic.py', clips(),
             cost=4),
    SoakCase('tcd',
             'configs/tcd/tcd-temporal-only_pspnet_r18-half-d8_synthetic.py',
             clips()),
]


@pytest.mark.parametrize('case', CASES, ids=str)
def test_video_sigkill_resume_is_exact(case, soak_pool):
    check_exact(soak_pool.result(case))
