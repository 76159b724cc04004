"""A Grayscale Softcopy Presentation State written with pydicom for tests and screenshots:
graphic annotations on images of a (synthetic, fictitious-patient) series."""

from __future__ import annotations

from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from viewers.dicom.presentation import GSPS_CLASS


def _item(**values) -> Dataset:
    ds = Dataset()
    for name, value in values.items():
        setattr(ds, name, value)
    return ds


def text_object(text: str, box=None, anchor=None, units: str = "PIXEL", visible: bool = True) -> Dataset:
    item = _item(UnformattedTextValue=text)
    if box is not None:
        item.BoundingBoxAnnotationUnits = units
        item.BoundingBoxTopLeftHandCorner = list(box[0])
        item.BoundingBoxBottomRightHandCorner = list(box[1])
        item.BoundingBoxTextHorizontalJustification = "LEFT"
    if anchor is not None:
        item.AnchorPointAnnotationUnits = units
        item.AnchorPoint = list(anchor)
        item.AnchorPointVisibility = "Y" if visible else "N"
    return item


def graphic_object(kind: str, points, units: str = "PIXEL", filled: bool = False) -> Dataset:
    flat = [float(v) for point in points for v in point]
    return _item(GraphicAnnotationUnits=units, GraphicDimensions=2, NumberOfGraphicPoints=len(points),
                 GraphicData=flat, GraphicType=kind, GraphicFilled="Y" if filled else "N")


def annotation(texts=(), graphics=(), images=None, layer: str = "LAYER1") -> Dataset:
    """One Graphic Annotation Sequence item; `images`: [(image dataset, [frames] or None)]
    it is limited to, else every image the state references."""
    item = _item(GraphicLayer=layer)
    if images is not None:
        item.ReferencedImageSequence = Sequence([_image_ref(ds, frames) for ds, frames in images])
    if texts:
        item.TextObjectSequence = Sequence(list(texts))
    if graphics:
        item.GraphicObjectSequence = Sequence(list(graphics))
    return item


def _image_ref(ds: Dataset, frames=None) -> Dataset:
    ref = _item(ReferencedSOPClassUID=ds.SOPClassUID, ReferencedSOPInstanceUID=ds.SOPInstanceUID)
    if frames:
        ref.ReferencedFrameNumber = list(frames) if len(frames) > 1 else frames[0]
    return ref


def presentation_state(images: list[Dataset], annotations: list[Dataset], *, label: str = "DEMO_GSPS",
                       displayed_area=None) -> Dataset:
    """A GSPS referencing `images` (one series), for the fictitious Test Patient."""
    first = images[0]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = GSPS_CLASS
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "Test^Patient", first.get("PatientID", "TEST-1"), "19700101"
    ds.StudyInstanceUID = first.StudyInstanceUID
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = generate_uid(), 900, 1
    ds.Modality = "PR"
    ds.ContentLabel, ds.ContentDescription = label, "Annotations for the test"
    ds.PresentationCreationDate, ds.PresentationCreationTime = "20260914", "120000"
    ds.ContentCreatorName = "Test^Reader"
    ds.ReferencedSeriesSequence = Sequence([_item(
        SeriesInstanceUID=first.SeriesInstanceUID,
        ReferencedImageSequence=Sequence([_image_ref(image) for image in images]))])
    ds.GraphicLayerSequence = Sequence([_item(GraphicLayer="LAYER1", GraphicLayerOrder=1)])
    if displayed_area is not None:
        ds.DisplayedAreaSelectionSequence = Sequence([_item(
            DisplayedAreaTopLeftHandCorner=list(displayed_area[0]),
            DisplayedAreaBottomRightHandCorner=list(displayed_area[1]),
            PresentationSizeMode="SCALE TO FIT")])
    ds.GraphicAnnotationSequence = Sequence(list(annotations))
    return ds


def write_presentation_state(path: Path, images: list[Dataset], annotations: list[Dataset], **kwargs) -> Dataset:
    ds = presentation_state(images, annotations, **kwargs)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return ds
