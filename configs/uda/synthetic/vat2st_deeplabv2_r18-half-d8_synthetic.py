# Image self-training baseline from the same start as VAT->VST: single-frame
# class-balanced pseudo labels of the EMA teacher (no flow, no temporal filter).
_base_ = ['./vat2vst_deeplabv2_r18-half-d8_synthetic.py']
model = dict(num_frames=1, consistency=False)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=[0], load_flow=False)))
pseudo_label_dataloader = dict(dataset=dict(frame_offsets=[0], load_flow=False))
