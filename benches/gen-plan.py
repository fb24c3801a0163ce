#!/usr/bin/env python3
"""Writes a plan of N items (default 100,000) across every kind genbudget
prices, on the shipped tables as of 2026-06-01: images by quality and size
(with prompt tokens and reference images), credit-priced images, video by
seconds and resolution (per_day x days), text by tokens and by prompt text.

    python3 benches/gen-plan.py 100000 > target/plan-100k.toml
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
out = sys.stdout
out.write('name = "Benchmark plan"\nas_of = 2026-06-01\nretry_rate = 0.1\n'
          'contingency = 0.05\nbudget = "100000000.00"\n\n')
qualities = ["low", "medium", "high"]
sizes = ["1024x1024", "1024x1536", "1536x1024"]
for i in range(n):
    k = i % 6
    out.write(f'[[items]]\nname = "item {i}"\n')
    if k == 0:
        out.write(f'model = "openai/gpt-image-1"\ncount = {1 + i % 50}\n'
                  f'quality = "{qualities[i % 3]}"\nsize = "{sizes[(i // 3) % 3]}"\n'
                  f'prompt_tokens = {i % 300}\ninput_images = 1\ninput_image_size = "1024x1024"\n')
    elif k == 1:
        out.write(f'model = "kie/gpt-image-2"\ncount = {1 + i % 40}\n'
                  f'quality = "high"\nsize = "1024x1536"\nretry_rate = 0.2\n')
    elif k == 2:
        out.write(f'model = "openai/sora-2"\nper_day = {1 + i % 30}\ndays = 30\n'
                  f'seconds = {[4, 8, 12][i % 3]}\nresolution = "720p"\n')
    elif k == 3:
        out.write(f'model = "openai/sora-2-pro"\ncount = {1 + i % 10}\n'
                  f'seconds = 8\nresolution = "1792x1024"\n')
    elif k == 4:
        out.write(f'model = "openai/gpt-5-mini"\ncount = {100 + i}\n'
                  f'input_tokens = {200 + i % 800}\ncached_input_tokens = {i % 100}\n'
                  f'output_tokens = {500 + i % 1000}\n')
    else:
        out.write(f'model = "openai/gpt-5"\ncount = {10 + i % 90}\n'
                  f'prompt = "Write a product description for SKU {i}, warm and concise."\n'
                  f'output_tokens = 400\n')
    out.write('\n')
