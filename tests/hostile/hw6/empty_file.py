# affected: all
# message: is not defined
# whole_file: yes

