# affected: 2.1
# message: attribute access

OUTPUT_MEAN = '().__𝐜𝐥𝐚𝐬𝐬__'
