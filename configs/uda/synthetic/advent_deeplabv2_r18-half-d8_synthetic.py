# AdvEnt (Vu et al., CVPR 2019): image-level adversarial training whose discriminator
# sees the weighted self-information maps -p log p / log K of each class (the
# softmax-input variant is adaptsegnet_deeplabv2_r18-half-d8_synthetic.py).
_base_ = ['./adaptsegnet_deeplabv2_r18-half-d8_synthetic.py']
model = dict(disc_input='self_information')
