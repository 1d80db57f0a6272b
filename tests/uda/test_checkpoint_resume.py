"""Checkpoints hold both optimizer states, the EMA teacher and phase-2 state;
resuming restores them; phase 2 starts from phase 1's checkpoint."""
import os.path as osp

import torch
from mmengine.runner import Runner

from uda_helpers import tiny_discriminator, tiny_segmentor

SGD = dict(type='OptimWrapper',
           optimizer=dict(type='SGD', lr=0.01, momentum=0.9))


def poly(end):
    return [dict(type='PolyLR', power=0.9, eta_min=1e-4, begin=0, end=end,
                 by_epoch=False)]


def runner(work_dir, loader, model, optim_wrapper, param_scheduler, iters,
           resume=False, load_from=None, hooks=()):
    return Runner(
        model=model, work_dir=str(work_dir), train_dataloader=loader,
        train_cfg=dict(by_epoch=False, max_iters=iters, val_interval=1000),
        optim_wrapper=optim_wrapper, param_scheduler=param_scheduler,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           by_epoch=False, interval=2),
                           logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=list(hooks), resume=resume, load_from=load_from,
        default_scope='uda_video', randomness=dict(seed=0),
        experiment_name=f'{osp.basename(str(work_dir))}-{iters}-{resume}')


def vat_runner(work_dir, loader, iters, resume=False):
    model = dict(type='AdversarialUDA', segmentor=tiny_segmentor(),
                 discriminator=tiny_discriminator(), num_frames=2)
    ow = dict(constructor='NamedModulesOptimWrapperConstructor',
              segmentor=SGD,
              discriminator=dict(type='OptimWrapper',
                                 optimizer=dict(type='Adam', lr=1e-3,
                                                betas=(0.9, 0.99))))
    sched = dict(segmentor=poly(4), discriminator=poly(4))
    return runner(work_dir, loader, model, ow, sched, iters, resume=resume)


def vst_runner(work_dir, loader, iters, resume=False, load_from=None):
    model = dict(type='SelfTrainingUDA', segmentor=tiny_segmentor(),
                 num_frames=2, keep_fraction=0.5, threshold_momentum=0.9,
                 ema_momentum=0.99)
    ow = dict(constructor='NamedModulesOptimWrapperConstructor',
              segmentor=SGD)
    return runner(work_dir, loader, model, ow, dict(segmentor=poly(4)), iters,
                  resume=resume, load_from=load_from,
                  hooks=[dict(type='EMATeacherHook')])


def load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_vat_then_vst_checkpoints_and_resume(tmp_path, uda_loader):
    # Phase 1: both optimizer states in the checkpoint.
    vat_dir = tmp_path / 'vat'
    vat_runner(vat_dir, uda_loader, 2).train()
    ck = load(vat_dir / 'iter_2.pth')
    assert set(ck['optimizer']) == {'segmentor', 'discriminator'}
    assert ck['optimizer']['segmentor']['state'], 'SGD momentum saved'
    adam = ck['optimizer']['discriminator']['state']
    assert adam and all('exp_avg_sq' in s for s in adam.values())
    assert set(ck['param_schedulers']) == {'segmentor', 'discriminator'}
    assert any(k.startswith('discriminator.') for k in ck['state_dict'])

    # Resume restores both optimizer states and continues the schedules.
    r = vat_runner(vat_dir, uda_loader, 4, resume=True)
    r.load_or_resume()
    for name in ('segmentor', 'discriminator'):
        got = r.optim_wrapper[name].optimizer.state_dict()['state']
        want = ck['optimizer'][name]['state']
        for idx in want:
            for key, val in want[idx].items():
                assert torch.equal(torch.as_tensor(got[idx][key]),
                                   torch.as_tensor(val)), (name, idx, key)
    assert r.iter == 2
    r.train()
    ck4 = load(vat_dir / 'iter_4.pth')
    assert ck4['meta']['iter'] == 4
    for name in ('segmentor', 'discriminator'):
        lr2 = ck['optimizer'][name]['param_groups'][0]['lr']
        lr4 = ck4['optimizer'][name]['param_groups'][0]['lr']
        assert lr4 < lr2, name

    # Phase 2 starts from phase 1 (load_from); the teacher copies the student.
    vst_dir = tmp_path / 'vst'
    vst_runner(vst_dir, uda_loader, 2,
               load_from=str(vat_dir / 'iter_4.pth')).train()
    ck = load(vst_dir / 'iter_2.pth')
    sd = ck['state_dict']
    assert int(sd['teacher.num_updates']) == 2
    assert 'class_thresholds' in sd and not torch.isnan(
        sd['class_thresholds']).all()
    teacher_keys = [k for k in sd if k.startswith('teacher.model.')]
    assert teacher_keys
    # Teacher = EMA between phase-1 weights and the student: not the student.
    k = 'teacher.model.decode_head.conv_seg.weight'
    assert not torch.equal(sd[k], sd['segmentor.decode_head.conv_seg.weight'])
    phase1 = load(vat_dir / 'iter_4.pth')['state_dict']
    assert not torch.equal(sd[k], phase1['segmentor.decode_head.conv_seg.weight'])

    # Resume restores teacher weights, counter and running thresholds.
    r = vst_runner(vst_dir, uda_loader, 4, resume=True)
    r.load_or_resume()
    model = r.model
    assert int(model.teacher.num_updates) == 2
    assert torch.equal(model.teacher.model.decode_head.conv_seg.weight, sd[k])
    assert torch.allclose(model.class_thresholds, sd['class_thresholds'],
                          equal_nan=True)
    r.train()
    ck4 = load(vst_dir / 'iter_4.pth')
    assert int(ck4['state_dict']['teacher.num_updates']) == 4
