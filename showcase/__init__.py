"""showcase: a static site generator for the publicity and typical-case showcase of
community-safety campaigns (平安家庭). Pipeline: load -> validate -> model -> render -> write."""
