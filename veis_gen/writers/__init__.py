"""Writers: pure functions of a frame and its metadata that return files as bytes, by relative path.

Dataset layout under the output folder:
    leftImg8bit/<split>/<city>/<name>_leftImg8bit.png            RGB
    gtFine/<split>/<city>/<name>_gtFine_labelIds.png             Cityscapes label ids
    gtFine/<split>/<city>/<name>_gtFine_instanceIds.png          uint16, labelId*1000+k for Cityscapes' 8
                                                                 instance classes, labelId elsewhere
    gtFine/<split>/<city>/<name>_gtFine_labelTrainIds.png, _color.png, _polygons.json
    gtFine/<split>/<city>/<name>_gtFine_veisInstanceIds.png      ours: uint16, labelId*1000+k for all 10
                                                                 foreground classes (lights and signs too)
    depth/<split>/<city>/<name>_depth.png                        uint16 millimetres, 0 for sky, 65535 beyond
    meta/<split>/<city>/<name>.json                              seed, scene, objects with RLE masks
    annotations/instances_<split>.json                           COCO instances, from all meta files
<city> is the scene kind ("simple" or "complex"); <name> is <city>_000000_<index:06d>.
"""
