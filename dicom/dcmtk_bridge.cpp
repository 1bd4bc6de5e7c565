/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one C++ file of the dicom module: DCMTK behind plain extern "C" functions. It reads
 * headers, returns raw stored pixels (decoding RLE, JPEG and JPEG-LS with DCMTK's codecs) or
 * raw JPEG 2000 fragments, lists DICOMDIR references, writes phantom images, and writes data
 * sets built attribute by attribute (the DICOM export). Every call catches all exceptions;
 * DCMTK's logger is silenced so the library never prints.
 */
#include "dcmtk_bridge.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

/* ---- small helpers ---- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (src == nullptr) {
        dst[0] = '\0';
        return;
    }
    size_t n = std::strlen(src);
    if (n >= cap)
        n = cap - 1;
    std::memcpy(dst, src, n);
    dst[n] = '\0';
    /* DICOM pads with spaces (and UIDs with NUL); strip trailing padding */
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
        dst[--n] = '\0';
}

static void get_str(DcmItem *item, const DcmTagKey &key, char *dst, size_t cap)
{
    OFString v;
    if (item != nullptr && item->findAndGetOFStringArray(key, v).good())
        copy_str(dst, cap, v.c_str());
    else
        dst[0] = '\0';
}

static int get_int(DcmItem *item, const DcmTagKey &key, int fallback)
{
    Sint32 s = 0;
    if (item != nullptr && item->findAndGetSint32(key, s).good())
        return (int)s;
    Uint16 u = 0;
    if (item != nullptr && item->findAndGetUint16(key, u).good())
        return (int)u;
    return fallback;
}

static int get_doubles(DcmItem *item, const DcmTagKey &key, double *out, int n)
{
    if (item == nullptr)
        return 0;
    for (int i = 0; i < n; i++) {
        Float64 v = 0;
        if (item->findAndGetFloat64(key, v, (unsigned long)i).bad())
            return 0;
        out[i] = (double)v;
    }
    return 1;
}

/* Fill the geometry fields of `f` that `item` holds (a dataset or a functional-group item). */
static void read_plain_geometry(DcmItem *item, tmesh_dcm_frame *f)
{
    if (get_doubles(item, DCM_ImagePositionPatient, f->ipp, 3))
        f->has_ipp = 1;
    if (get_doubles(item, DCM_ImageOrientationPatient, f->iop, 6))
        f->has_iop = 1;
    if (get_doubles(item, DCM_PixelSpacing, f->spacing, 2))
        f->has_spacing = 1;
    double s = 0, i = 0;
    if (get_doubles(item, DCM_RescaleSlope, &s, 1) && get_doubles(item, DCM_RescaleIntercept, &i, 1)) {
        f->has_rescale = 1;
        f->slope = s;
        f->intercept = i;
    }
}

static DcmItem *sub_item(DcmItem *item, const DcmTagKey &seq)
{
    DcmItem *sub = nullptr;
    if (item != nullptr && item->findAndGetSequenceItem(seq, sub, 0).good())
        return sub;
    return nullptr;
}

/* Functional groups (PS3.3 C.7.6.16): each macro is a sequence holding one item. */
static void read_functional_groups(DcmItem *fg, tmesh_dcm_frame *f)
{
    if (fg == nullptr)
        return;
    read_plain_geometry(sub_item(fg, DCM_PlanePositionSequence), f);
    read_plain_geometry(sub_item(fg, DCM_PlaneOrientationSequence), f);
    read_plain_geometry(sub_item(fg, DCM_PixelMeasuresSequence), f);
    read_plain_geometry(sub_item(fg, DCM_PixelValueTransformationSequence), f);
    DcmItem *content = sub_item(fg, DCM_FrameContentSequence);
    if (content != nullptr) {
        OFString stack;
        if (content->findAndGetOFString(DCM_StackID, stack).good() && !stack.empty())
            f->stack_id = std::atoi(stack.c_str());
        f->in_stack_pos = get_int(content, DCM_InStackPositionNumber, f->in_stack_pos);
        f->temporal_index = get_int(content, DCM_TemporalPositionIndex, f->temporal_index);
    }
}

static void frame_init(tmesh_dcm_frame *f)
{
    std::memset(f, 0, sizeof *f);
    f->slope = 1.0;
    f->stack_id = -1;
    f->in_stack_pos = -1;
    f->temporal_index = -1;
}

static tmesh_status cond_error(tmesh_error *err, const OFCondition &c, const char *name,
                               const char *what)
{
    return tmesh_error_set(err, TMESH_E_DATA, "%s: %s: %s", name, what, c.text());
}

/* Parse a whole file held in memory into `ff`. */
static OFCondition parse_buffer(DcmFileFormat &ff, const uint8_t *buf, size_t len)
{
    DcmInputBufferStream is;
    /* DCMTK wants an even length; the callers keep one readable byte past odd lengths. */
    is.setBuffer(buf, (offile_off_t)(len + (len & 1)));
    is.setEos();
    ff.transferInit();
    OFCondition c = ff.read(is, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
    ff.transferEnd();
    return c;
}

static tmesh_status load(DcmFileFormat &ff, const char *name, const uint8_t *buf, size_t len,
                         tmesh_error *err)
{
    OFCondition c;
    if (buf == nullptr)
        c = ff.loadFile(name, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
    else
        c = parse_buffer(ff, buf, len);
    if (c.bad())
        return cond_error(err, c, name, "not readable as DICOM");
    return TMESH_OK;
}

/* ---- writing a data set from attribute paths ---- */

/* "gggg,eeee" in hexadecimal at `s`: 1 and the key, or 0 when malformed. */
static int parse_tag_key(const char *s, DcmTagKey &key)
{
    unsigned v[2] = {0, 0};
    for (int part = 0; part < 2; part++) {
        for (int i = 0; i < 4; i++) {
            char c = s[part * 5 + i];
            unsigned d;
            if (c >= '0' && c <= '9')
                d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                d = (unsigned)(c - 'A' + 10);
            else
                return 0;
            v[part] = v[part] * 16 + d;
        }
    }
    if (s[4] != ',')
        return 0;
    key.set((Uint16)v[0], (Uint16)v[1]);
    return 1;
}

/* Put one attribute into `ds`, walking (and creating) the sequence items its path names. */
static tmesh_status put_path_attr(DcmDataset *ds, const tmesh_dcm_path_attr &a, const char *file,
                                  tmesh_error *err)
{
    DcmItem *item = ds;
    const char *p = a.path ? a.path : "";
    for (;;) {
        DcmTagKey key;
        if (!parse_tag_key(p, key))
            return tmesh_error_set(err, TMESH_E_ARG, "%s: malformed attribute path '%s'", file,
                                   a.path ? a.path : "(null)");
        p += 9;
        if (*p == '[') {
            char *end = nullptr;
            long idx = std::strtol(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || idx < 0 || idx > 10000000 || end[1] != '.')
                return tmesh_error_set(err, TMESH_E_ARG, "%s: malformed attribute path '%s'",
                                       file, a.path);
            DcmItem *sub = nullptr;
            /* Creates the sequence, and every missing item up to `idx`, on first use. */
            OFCondition c = item->findOrCreateSequenceItem(key, sub, idx);
            if (c.bad() || sub == nullptr)
                return tmesh_error_set(err, TMESH_E_ARG, "%s: cannot create item of '%s': %s",
                                       file, a.path, c.text());
            item = sub;
            p = end + 2;
            continue;
        }
        if (*p != '\0')
            return tmesh_error_set(err, TMESH_E_ARG, "%s: malformed attribute path '%s'", file,
                                   a.path);
        OFCondition c;
        if (a.bytes != nullptr)
            c = item->putAndInsertUint8Array(key, a.bytes, (unsigned long)a.len);
        else if (a.value != nullptr)
            c = item->putAndInsertString(key, a.value);
        else
            c = item->insertEmptyElement(key);
        if (c.bad())
            return tmesh_error_set(err, TMESH_E_ARG, "%s: cannot set '%s': %s", file, a.path,
                                   c.text());
        return TMESH_OK;
    }
}

#define BRIDGE_TRY try {
#define BRIDGE_CATCH(name)                                                                    \
    }                                                                                          \
    catch (const std::bad_alloc &) {                                                           \
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory in DCMTK", name);        \
    }                                                                                          \
    catch (const std::exception &e) {                                                          \
        return tmesh_error_set(err, TMESH_E_INTERNAL, "%s: DCMTK: %s", name, e.what());        \
    }                                                                                          \
    catch (...) {                                                                              \
        return tmesh_error_set(err, TMESH_E_INTERNAL, "%s: unknown exception in DCMTK", name); \
    }

extern "C" {

void tmesh_dcmtk_init(void)
{
    try {
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
        DJEncoderRegistration::registerCodecs();
        DJLSEncoderRegistration::registerCodecs();
        DcmRLEEncoderRegistration::registerCodecs();
    } catch (...) {
        /* Registration failing leaves the codecs unavailable; decoding then reports it. */
    }
}

void tmesh_dcmtk_shutdown(void)
{
    try {
        DJDecoderRegistration::cleanup();
        DJLSDecoderRegistration::cleanup();
        DcmRLEDecoderRegistration::cleanup();
        DJEncoderRegistration::cleanup();
        DJLSEncoderRegistration::cleanup();
        DcmRLEEncoderRegistration::cleanup();
    } catch (...) {
    }
}

void tmesh_dcm_header_free(tmesh_dcm_header *h)
{
    if (h != nullptr) {
        std::free(h->frames);
        h->frames = nullptr;
    }
}

tmesh_status tmesh_dcmtk_read_header(tmesh_dcm_header *out, tmesh_dcm_phi *phi, const char *name,
                                     const uint8_t *buf, size_t len, tmesh_error *err)
{
    std::memset(out, 0, sizeof *out);
    BRIDGE_TRY
    DcmFileFormat ff;
    tmesh_error first = TMESH_ERROR_INIT;
    tmesh_status st = load(ff, name, buf, len, &first);
    DcmMetaInfo *meta = ff.getMetaInfo();
    DcmDataset *ds = ff.getDataset();
    if (st != TMESH_OK) {
        /* A file cut short inside its pixel data still has a readable header: keep it, so
         * that loading its series names it instead of silently losing a slice. */
        OFString uid;
        if (ds == nullptr || ds->findAndGetOFString(DCM_SeriesInstanceUID, uid).bad() ||
            uid.empty() || !ds->tagExists(DCM_Rows)) {
            if (err != nullptr && err->code == TMESH_OK)
                *err = first;
            return st;
        }
        out->truncated = 1;
    }
    if (ds == nullptr)
        return tmesh_error_set(err, TMESH_E_DATA, "%s: no data set", name);

    char media_class[65];
    get_str(meta, DCM_MediaStorageSOPClassUID, media_class, sizeof media_class);
    out->is_dicomdir = std::strcmp(media_class, UID_MediaStorageDirectoryStorage) == 0;
    get_str(meta, DCM_TransferSyntaxUID, out->transfer_syntax, sizeof out->transfer_syntax);
    if (out->transfer_syntax[0] == '\0') {
        DcmXfer x(ds->getOriginalXfer());
        copy_str(out->transfer_syntax, sizeof out->transfer_syntax, x.getXferID());
    }
    get_str(ds, DCM_SOPClassUID, out->sop_class_uid, sizeof out->sop_class_uid);
    get_str(ds, DCM_SOPInstanceUID, out->sop_instance_uid, sizeof out->sop_instance_uid);
    get_str(ds, DCM_StudyInstanceUID, out->study_uid, sizeof out->study_uid);
    get_str(ds, DCM_SeriesInstanceUID, out->series_uid, sizeof out->series_uid);
    get_str(ds, DCM_FrameOfReferenceUID, out->frame_of_reference_uid,
            sizeof out->frame_of_reference_uid);
    get_str(ds, DCM_Modality, out->modality, sizeof out->modality);
    get_str(ds, DCM_SeriesDescription, out->description, sizeof out->description);
    get_str(ds, DCM_Manufacturer, out->manufacturer, sizeof out->manufacturer);
    get_str(ds, DCM_ImageType, out->image_type, sizeof out->image_type);
    get_str(ds, DCM_PhotometricInterpretation, out->photometric, sizeof out->photometric);
    get_str(ds, DCM_PatientPosition, out->patient_position, sizeof out->patient_position);
    out->series_number = get_int(ds, DCM_SeriesNumber, -1);
    out->instance_number = get_int(ds, DCM_InstanceNumber, -1);
    out->acquisition_number = get_int(ds, DCM_AcquisitionNumber, -1);
    out->echo_number = get_int(ds, DCM_EchoNumbers, -1);
    out->rows = get_int(ds, DCM_Rows, 0);
    out->columns = get_int(ds, DCM_Columns, 0);
    out->bits_allocated = get_int(ds, DCM_BitsAllocated, 0);
    out->bits_stored = get_int(ds, DCM_BitsStored, 0);
    out->high_bit = get_int(ds, DCM_HighBit, -1);
    out->pixel_representation = get_int(ds, DCM_PixelRepresentation, 0);
    out->samples_per_pixel = get_int(ds, DCM_SamplesPerPixel, 1);
    out->planar_configuration = get_int(ds, DCM_PlanarConfiguration, 0);
    int nf = get_int(ds, DCM_NumberOfFrames, 1);
    out->n_frames = nf < 1 ? 1u : (uint32_t)nf;
    double tilt = 0;
    if (get_doubles(ds, DCM_GantryDetectorTilt, &tilt, 1)) {
        out->has_gantry_tilt = 1;
        out->gantry_tilt = tilt;
    }
    DcmElement *px = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, px).good() && px != nullptr) {
        out->has_pixel_data = 1;
        DcmXfer x(ds->getOriginalXfer());
        out->encapsulated = x.isEncapsulated() ? 1 : 0;
    } else if (out->truncated) {
        out->has_pixel_data = 1; /* cut off before or inside the pixel data */
    } else if (ds->findAndGetElement(DCM_FloatPixelData, px).good() ||
               ds->findAndGetElement(DCM_DoubleFloatPixelData, px).good()) {
        out->has_pixel_data = 2; /* float pixel data: reported, not decoded */
    }

    frame_init(&out->shared);
    read_plain_geometry(ds, &out->shared);
    /* Classic multi-phase series (PS3.3 C.7.6.2): one stack per temporal position. */
    out->shared.temporal_index = get_int(ds, DCM_TemporalPositionIdentifier, -1);
    DcmItem *shared = sub_item(ds, DCM_SharedFunctionalGroupsSequence);
    read_functional_groups(shared, &out->shared);

    DcmSequenceOfItems *per = nullptr;
    if (ds->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, per).good() && per != nullptr &&
        per->card() > 0) {
        out->enhanced = 1;
        unsigned long n = per->card();
        if (n != out->n_frames)
            return tmesh_error_set(err, TMESH_E_DATA,
                                   "%s: %lu per-frame functional groups for %u frames", name, n,
                                   out->n_frames);
        out->frames = (tmesh_dcm_frame *)std::malloc(n * sizeof(tmesh_dcm_frame));
        if (out->frames == nullptr)
            return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", name);
        for (unsigned long i = 0; i < n; i++) {
            out->frames[i] = out->shared;
            read_functional_groups(per->getItem(i), &out->frames[i]);
        }
    }
    if (phi != nullptr) {
        std::memset(phi, 0, sizeof *phi);
        get_str(ds, DCM_PatientName, phi->patient_name, sizeof phi->patient_name);
        get_str(ds, DCM_PatientID, phi->patient_id, sizeof phi->patient_id);
        get_str(ds, DCM_PatientBirthDate, phi->birth_date, sizeof phi->birth_date);
        get_str(ds, DCM_AccessionNumber, phi->accession_number, sizeof phi->accession_number);
    }
    return TMESH_OK;
    BRIDGE_CATCH(name)
}

void tmesh_dcm_pixels_free(tmesh_dcm_pixels *p)
{
    if (p == nullptr)
        return;
    delete static_cast<DcmFileFormat *>(p->owner);
    std::free(p->native);
    for (size_t i = 0; i < p->n_fragments; i++)
        std::free(p->fragments[i]);
    std::free(p->fragments);
    std::free(p->fragment_len);
    std::free(p->offset_table);
    std::memset(p, 0, sizeof *p);
}

static tmesh_status take_fragments(tmesh_dcm_pixels *out, DcmPixelData *pd, const char *name,
                                   tmesh_error *err)
{
    E_TransferSyntax orig = EXS_Unknown;
    const DcmRepresentationParameter *param = nullptr;
    pd->getOriginalRepresentationKey(orig, param);
    DcmPixelSequence *seq = nullptr;
    OFCondition c = pd->getEncapsulatedRepresentation(orig, param, seq);
    if (c.bad() || seq == nullptr)
        return cond_error(err, c, name, "cannot read the encapsulated pixel data");
    unsigned long n = seq->card();
    if (n < 2)
        return tmesh_error_set(err, TMESH_E_DATA, "%s: encapsulated pixel data has no fragments",
                               name);
    DcmPixelItem *bot = nullptr;
    if (seq->getItem(bot, 0).good() && bot != nullptr && bot->getLength() >= 4) {
        Uint8 *b = nullptr;
        if (bot->getUint8Array(b).good() && b != nullptr) {
            size_t k = bot->getLength() / 4;
            out->offset_table = (uint32_t *)std::malloc(k * sizeof(uint32_t));
            if (out->offset_table == nullptr)
                return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", name);
            for (size_t i = 0; i < k; i++)
                out->offset_table[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
                                       (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
            out->n_offsets = k;
        }
    }
    out->n_fragments = n - 1;
    out->fragments = (uint8_t **)std::calloc(n - 1, sizeof(uint8_t *));
    out->fragment_len = (size_t *)std::calloc(n - 1, sizeof(size_t));
    if (out->fragments == nullptr || out->fragment_len == nullptr)
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", name);
    for (unsigned long i = 1; i < n; i++) {
        DcmPixelItem *it = nullptr;
        Uint8 *b = nullptr;
        if (seq->getItem(it, i).bad() || it == nullptr)
            return tmesh_error_set(err, TMESH_E_DATA, "%s: fragment %lu unreadable", name, i);
        size_t flen = it->getLength();
        out->fragments[i - 1] = (uint8_t *)std::malloc(flen ? flen : 1);
        if (out->fragments[i - 1] == nullptr)
            return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", name);
        if (flen > 0) {
            if (it->getUint8Array(b).bad() || b == nullptr)
                return tmesh_error_set(err, TMESH_E_DATA, "%s: fragment %lu unreadable", name, i);
            std::memcpy(out->fragments[i - 1], b, flen);
        }
        out->fragment_len[i - 1] = flen;
    }
    return TMESH_OK;
}

static tmesh_status read_pixels(tmesh_dcm_pixels *out, DcmFileFormat &ff, const char *name,
                                tmesh_error *err)
{
    DcmDataset *ds = ff.getDataset();
    DcmElement *el = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, el).bad() || el == nullptr)
        return tmesh_error_set(err, TMESH_E_DATA, "%s: no pixel data", name);
    DcmXfer orig(ds->getOriginalXfer());
    if (orig.isEncapsulated()) {
        const E_TransferSyntax x = orig.getXfer();
        if (x == EXS_JPEG2000LosslessOnly || x == EXS_JPEG2000 ||
            x == EXS_JPEG2000MulticomponentLosslessOnly || x == EXS_JPEG2000Multicomponent)
            return take_fragments(out, static_cast<DcmPixelData *>(el), name, err);
        OFCondition c = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (c.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit))
            return tmesh_error_set(err, TMESH_E_DATA, "%s: cannot decode %s pixel data%s%s", name,
                                   orig.getXferName(), c.bad() ? ": " : "",
                                   c.bad() ? c.text() : "");
        if (ds->findAndGetElement(DCM_PixelData, el).bad() || el == nullptr)
            return tmesh_error_set(err, TMESH_E_DATA, "%s: no pixel data after decoding", name);
    }
    Uint16 bits = 0;
    ds->findAndGetUint16(DCM_BitsAllocated, bits);
    /* Host-order values: DCMTK swaps big-endian OW data on read. The samples stay inside the
     * data set, which `out->owner` keeps alive. */
    const void *src = nullptr;
    OFCondition c;
    if (bits > 8 && el->getVR() != EVR_OB) {
        Uint16 *w = nullptr;
        c = el->getUint16Array(w);
        src = w;
    } else {
        Uint8 *b = nullptr;
        c = el->getUint8Array(b);
        src = b;
    }
    size_t nbytes = el->getLength();
    if (c.bad() || (src == nullptr && nbytes > 0))
        return cond_error(err, c, name, "cannot read pixel data");
    out->samples = src;
    out->samples_len = nbytes;
    return TMESH_OK;
}

tmesh_status tmesh_dcmtk_read_pixels(tmesh_dcm_pixels *out, const char *path, const char *name,
                                     const uint8_t *buf, size_t len, tmesh_error *err)
{
    std::memset(out, 0, sizeof *out);
    BRIDGE_TRY
    std::unique_ptr<DcmFileFormat> ff(new DcmFileFormat());
    OFCondition c;
    if (buf == nullptr)
        c = ff->loadFile(path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
    else
        c = parse_buffer(*ff, buf, len);
    tmesh_status st = c.bad() ? cond_error(err, c, name, "not readable as DICOM (truncated or "
                                                          "corrupt)")
                              : read_pixels(out, *ff, name, err);
    if (st != TMESH_OK) {
        tmesh_dcm_pixels_free(out);
        return st;
    }
    out->owner = ff.release();
    return TMESH_OK;
    BRIDGE_CATCH(name)
}

tmesh_status tmesh_dcmtk_dicomdir_files(char ***files_out, size_t *n_out, const char *name,
                                        const uint8_t *buf, size_t len, tmesh_error *err)
{
    *files_out = nullptr;
    *n_out = 0;
    BRIDGE_TRY
    DcmFileFormat ff;
    tmesh_status st = load(ff, name, buf, len, err);
    if (st != TMESH_OK)
        return st;
    DcmSequenceOfItems *recs = nullptr;
    if (ff.getDataset()->findAndGetSequence(DCM_DirectoryRecordSequence, recs).bad() ||
        recs == nullptr)
        return TMESH_OK;
    std::vector<std::string> files;
    for (unsigned long i = 0; i < recs->card(); i++) {
        DcmItem *rec = recs->getItem(i);
        OFString id;
        if (rec == nullptr || rec->findAndGetOFStringArray(DCM_ReferencedFileID, id).bad() ||
            id.empty())
            continue;
        std::string p(id.c_str());
        for (char &ch : p)
            if (ch == '\\')
                ch = '/';
        while (!p.empty() && p.back() == ' ')
            p.pop_back();
        files.push_back(p);
    }
    char **arr = (char **)std::calloc(files.size() ? files.size() : 1, sizeof(char *));
    if (arr == nullptr)
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", name);
    for (size_t i = 0; i < files.size(); i++) {
        arr[i] = (char *)std::malloc(files[i].size() + 1);
        if (arr[i] == nullptr) {
            for (size_t k = 0; k < i; k++)
                std::free(arr[k]);
            std::free(arr);
            return tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory", name);
        }
        std::memcpy(arr[i], files[i].c_str(), files[i].size() + 1);
    }
    *files_out = arr;
    *n_out = files.size();
    return TMESH_OK;
    BRIDGE_CATCH(name)
}

tmesh_status tmesh_dcmtk_write_image(const char *path, const tmesh_dcm_attr *attrs, size_t n_attrs,
                                     int rows, int columns, int is_signed, int bits_stored,
                                     const uint16_t *pixels, tmesh_dcm_syntax syntax,
                                     tmesh_error *err)
{
    BRIDGE_TRY
    DcmFileFormat ff;
    DcmDataset *ds = ff.getDataset();
    OFCondition c;
    for (size_t i = 0; i < n_attrs && c.good(); i++)
        c = ds->putAndInsertString(DcmTagKey(attrs[i].group, attrs[i].element), attrs[i].value);
    if (c.good()) c = ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
    if (c.good()) c = ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    if (c.good()) c = ds->putAndInsertUint16(DCM_Rows, (Uint16)rows);
    if (c.good()) c = ds->putAndInsertUint16(DCM_Columns, (Uint16)columns);
    if (c.good()) c = ds->putAndInsertUint16(DCM_BitsAllocated, 16);
    if (c.good()) c = ds->putAndInsertUint16(DCM_BitsStored, (Uint16)bits_stored);
    if (c.good()) c = ds->putAndInsertUint16(DCM_HighBit, (Uint16)(bits_stored - 1));
    if (c.good()) c = ds->putAndInsertUint16(DCM_PixelRepresentation, is_signed ? 1 : 0);
    if (c.good())
        c = ds->putAndInsertUint16Array(DCM_PixelData, pixels, (unsigned long)rows * columns);
    if (c.bad())
        return cond_error(err, c, path, "cannot build the data set");
    E_TransferSyntax xfer = EXS_LittleEndianExplicit;
    DJ_RPLossless jpeg_params(1, 0);
    DJLSRepresentationParameter jls_params(0, OFTrue);
    const DcmRepresentationParameter *params = nullptr;
    switch (syntax) {
    case TMESH_DCM_EXPLICIT_LE: xfer = EXS_LittleEndianExplicit; break;
    case TMESH_DCM_IMPLICIT_LE: xfer = EXS_LittleEndianImplicit; break;
    case TMESH_DCM_EXPLICIT_BE: xfer = EXS_BigEndianExplicit; break;
    case TMESH_DCM_DEFLATE: xfer = EXS_DeflatedLittleEndianExplicit; break;
    case TMESH_DCM_RLE: xfer = EXS_RLELossless; break;
    case TMESH_DCM_JPEG_LOSSLESS: xfer = EXS_JPEGProcess14SV1; params = &jpeg_params; break;
    case TMESH_DCM_JPEG_LS: xfer = EXS_JPEGLSLossless; params = &jls_params; break;
    }
    DcmXfer x(xfer);
    if (x.isEncapsulated()) {
        c = ds->chooseRepresentation(xfer, params);
        if (c.bad() || !ds->canWriteXfer(xfer))
            return tmesh_error_set(err, TMESH_E_INTERNAL, "%s: cannot encode as %s: %s", path,
                                   x.getXferName(), c.text());
    }
    c = ff.saveFile(path, xfer);
    if (c.bad())
        return tmesh_error_set(err, TMESH_E_IO, "%s: cannot write: %s", path, c.text());
    return TMESH_OK;
    BRIDGE_CATCH(path)
}

tmesh_status tmesh_dcmtk_write_attrs(const char *path, const tmesh_dcm_path_attr *attrs,
                                     size_t n_attrs, tmesh_error *err)
{
    BRIDGE_TRY
    DcmFileFormat ff;
    DcmDataset *ds = ff.getDataset();
    for (size_t i = 0; i < n_attrs; i++) {
        tmesh_status st = put_path_attr(ds, attrs[i], path, err);
        if (st != TMESH_OK)
            return st;
    }
    /* EWM_fileformat: the meta header is rebuilt from the data set's SOP Class and Instance
     * UIDs (PS3.10 7.1), with DCMTK's fixed implementation UID and no time stamp. */
    OFCondition c = ff.saveFile(path, EXS_LittleEndianExplicit, EET_ExplicitLength,
                                EGL_recalcGL, EPD_noChange, 0, 0, EWM_fileformat);
    if (c.bad())
        return tmesh_error_set(err, TMESH_E_IO, "%s: cannot write: %s", path, c.text());
    return TMESH_OK;
    BRIDGE_CATCH(path)
}

} /* extern "C" */
