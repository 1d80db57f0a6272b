# Video DACS: DACS whose pseudo labels are VST's temporal ones (EMA teacher softmax of
# Cityscapes frames t, t-1, t+1 warped to t by the precomputed flow of
# tools/dataset_converters/compute_flow.py, fused, kept where the frames agree). Phase 2 of the two-phase
# scheme made strong when started from VAT's checkpoint:
#   --cfg-options load_from=work_dirs/vat_deeplabv2-caffe_r101-d8_viper2cityscapes/iter_120000.pth
_base_ = ['./dacs_deeplabv2-caffe_r101-d8_viper2cityscapes.py']
frame_offsets = [0, -1, 1]
model = dict(num_frames=3, consistency=True)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=frame_offsets, load_flow=True)))
