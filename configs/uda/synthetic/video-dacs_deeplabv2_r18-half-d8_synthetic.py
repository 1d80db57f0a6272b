# Video DACS: DACS whose pseudo labels are VST's temporal ones. The EMA teacher's
# softmax of target frames t, t-1, t+1 is warped to t by the benchmark's flow, fused
# by the mean and kept where the warped per-frame labels agree (the rest ignored);
# ClassMix, the confidence weight and the strong augmentation are DACS's.
#   python tools/train.py configs/uda/synthetic/video-dacs_deeplabv2_r18-half-d8_synthetic.py
_base_ = ['./dacs_deeplabv2_r18-half-d8_synthetic.py']
frame_offsets = [0, -1, 1]
model = dict(num_frames=3, consistency=True)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=frame_offsets, load_flow=True)))
