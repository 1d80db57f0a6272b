# Image self-training (single-frame class-balanced pseudo labels) from the VAT start.
_base_ = ['./deeplabv2_r101_vat2vst.py']
model = dict(num_frames=1, consistency=False)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=[0], load_flow=False)))
pseudo_label_dataloader = dict(dataset=dict(frame_offsets=[0], load_flow=False))
