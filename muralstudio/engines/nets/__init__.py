"""Networks written in plain torch (no torchvision), one module per architecture."""
