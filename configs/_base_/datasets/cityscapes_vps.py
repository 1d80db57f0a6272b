# Cityscapes-VPS val for the video test protocol: every frame of each video in
# order (VideoSampler); the 6 annotated frames (every 5th) carry gt_sem_seg and
# gt_panoptic_seg (class * 1000 + track) at full resolution, the frames are
# resized to 1024x512 and the predictions upsampled back (as the field tests).
# Layout: data/cityscapes_vps/{split}/img_all, {split}/panoptic_video,
# panoptic_gt_{split}_city_vps.json; for TC and tracked instances also the flow
# of every frame, {split}/flow/<stem>_flow_{fw,bw}.png, made once with
#   python tools/dataset_converters/compute_flow.py data/cityscapes_vps/val/img_all \
#       data/cityscapes_vps/val/flow --naming vps
# Two class protocols: 19 Cityscapes classes, or the 15 VIPER/Cityscapes shared
# classes (rider merged into person; wall, pole, train VOID).
# Every name starts with cityscapes_vps_ so that a method config can inherit
# this file beside its own bases (configs/uda/viper2cityscapes/*_vps.py).
cityscapes_vps_root = 'data/cityscapes_vps'
cityscapes_vps_flow_fw = '{img_dir}/../flow/{name}_flow_fw.png'  # t -> t+1
cityscapes_vps_flow_bw = '{img_dir}/../flow/{name}_flow_bw.png'  # t -> t-1
cityscapes_vps_test_pipeline = [
    dict(type='LoadClip', load_panoptic=True),
    dict(type='KeepLabelResolution'),
    dict(type='ClipBroadcaster', transforms=[
        dict(type='FlowAwareResize', scale=(1024, 512), keep_ratio=True)]),
    dict(type='PackClipInputs'),
]
cityscapes_vps_val_19 = dict(
    type='CityscapesVPSDataset', data_root=cityscapes_vps_root, split='val',
    protocol='cityscapes19', all_frames=True, test_mode=True,
    pipeline=cityscapes_vps_test_pipeline)
cityscapes_vps_val_15 = dict(
    type='CityscapesVPSDataset', data_root=cityscapes_vps_root, split='val',
    protocol='shared15', rider='person', all_frames=True, test_mode=True,
    pipeline=cityscapes_vps_test_pipeline)
cityscapes_vps_val = cityscapes_vps_val_19
# Test loaders (replace an inherited test_dataloader whole).
cityscapes_vps_test_dataloader_19 = dict(
    _delete_=True, batch_size=1, num_workers=2, persistent_workers=False,
    sampler=dict(type='VideoSampler'), dataset=cityscapes_vps_val_19)
cityscapes_vps_test_dataloader_15 = dict(
    _delete_=True, batch_size=1, num_workers=2, persistent_workers=False,
    sampler=dict(type='VideoSampler'), dataset=cityscapes_vps_val_15)
# One run, every number: mIoU of the annotated frames; semantic VPQ (each
# class of a frame one segment, k = 0, 5, 10, 15, all/thing/stuff); panoptic
# VPQ of the instances derived from the semantic prediction (connected
# components of each thing class tracked along the backward flow); temporal
# consistency (TC) along the forward flow, occluded pixels (forward-backward
# check) not counted. The two flow-based metrics stop at the first missing
# flow file, naming it.
cityscapes_vps_evaluator = [
    dict(type='VideoIoUMetric'),
    dict(type='VPQMetric', mode='semantic'),
    dict(type='VPQMetric', mode='panoptic',
         derive_instances=dict(flow_file_tmpl=cityscapes_vps_flow_bw,
                               iou_thr=0.5)),
    dict(type='TemporalConsistencyMetric', flow_source='file',
         flow_file_tmpl=cityscapes_vps_flow_fw,
         bw_flow_file_tmpl=cityscapes_vps_flow_bw, occlusion='fb'),
]
# Without flow files: the same minus TC, instances tracked by overlap only.
cityscapes_vps_evaluator_no_flow = [
    dict(type='VideoIoUMetric'),
    dict(type='VPQMetric', mode='semantic'),
    dict(type='VPQMetric', mode='panoptic',
         derive_instances=dict(flow_file_tmpl=None, iou_thr=0.5)),
]
