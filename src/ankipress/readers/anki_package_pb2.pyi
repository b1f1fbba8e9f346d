# ruff: noqa
# fmt: off
# mypy: disable-error-code="type-arg"
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PackageMetadata(_message.Message):
    __slots__ = ("version",)
    class Version(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        VERSION_UNKNOWN: _ClassVar[PackageMetadata.Version]
        VERSION_LEGACY_1: _ClassVar[PackageMetadata.Version]
        VERSION_LEGACY_2: _ClassVar[PackageMetadata.Version]
        VERSION_LATEST: _ClassVar[PackageMetadata.Version]
    VERSION_UNKNOWN: PackageMetadata.Version
    VERSION_LEGACY_1: PackageMetadata.Version
    VERSION_LEGACY_2: PackageMetadata.Version
    VERSION_LATEST: PackageMetadata.Version
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: PackageMetadata.Version
    def __init__(self, version: _Optional[_Union[PackageMetadata.Version, str]] = ...) -> None: ...

class MediaEntries(_message.Message):
    __slots__ = ("entries",)
    class MediaEntry(_message.Message):
        __slots__ = ("name", "size", "sha1", "legacy_zip_filename")
        NAME_FIELD_NUMBER: _ClassVar[int]
        SIZE_FIELD_NUMBER: _ClassVar[int]
        SHA1_FIELD_NUMBER: _ClassVar[int]
        LEGACY_ZIP_FILENAME_FIELD_NUMBER: _ClassVar[int]
        name: str
        size: int
        sha1: bytes
        legacy_zip_filename: int
        def __init__(self, name: _Optional[str] = ..., size: _Optional[int] = ..., sha1: _Optional[bytes] = ..., legacy_zip_filename: _Optional[int] = ...) -> None: ...
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[MediaEntries.MediaEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[MediaEntries.MediaEntry, _Mapping]]] = ...) -> None: ...

class NotetypeConfig(_message.Message):
    __slots__ = ("kind", "sort_field_idx", "css")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_NORMAL: _ClassVar[NotetypeConfig.Kind]
        KIND_CLOZE: _ClassVar[NotetypeConfig.Kind]
    KIND_NORMAL: NotetypeConfig.Kind
    KIND_CLOZE: NotetypeConfig.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_IDX_FIELD_NUMBER: _ClassVar[int]
    CSS_FIELD_NUMBER: _ClassVar[int]
    kind: NotetypeConfig.Kind
    sort_field_idx: int
    css: str
    def __init__(self, kind: _Optional[_Union[NotetypeConfig.Kind, str]] = ..., sort_field_idx: _Optional[int] = ..., css: _Optional[str] = ...) -> None: ...

class FieldConfig(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class TemplateConfig(_message.Message):
    __slots__ = ("q_format", "a_format", "id")
    Q_FORMAT_FIELD_NUMBER: _ClassVar[int]
    A_FORMAT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    q_format: str
    a_format: str
    id: int
    def __init__(self, q_format: _Optional[str] = ..., a_format: _Optional[str] = ..., id: _Optional[int] = ...) -> None: ...
