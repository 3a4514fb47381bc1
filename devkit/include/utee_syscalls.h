/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: OP-TEE's system-call layer, the _utee_* functions its
 * libutee builds the Internal Core API on, for TAs and libraries that
 * call them directly (Teaclave's optee-utee-sys declares them). The
 * signatures are OP-TEE's; here they are functions of the TA runtime
 * (libutee.a / liboxtee_ta_capi.a), not system calls.
 *
 * Conventions (as OP-TEE's kernel):
 *  - Misuse is a return code, never a panic: an unknown operation state,
 *    enumerator or TA session gives TEE_ERROR_BAD_PARAMETERS, an unknown
 *    object TEE_ERROR_BAD_STATE (TEE_ERROR_ITEM_NOT_FOUND from
 *    _utee_cryp_obj_get_attr), a handle lacking an access right
 *    TEE_ERROR_ACCESS_CONFLICT.
 *  - A buffer that cannot be handed over as asked (NULL with a length,
 *    a range wrapping around, or running beyond the heap block, stack,
 *    image segment or memref it starts in) gives TEE_ERROR_ACCESS_DENIED;
 *    an output buffer is checked for the capacity the caller claims.
 *  - uint64_t *len arguments carry the room in and the size out; a too
 *    small buffer gives TEE_ERROR_SHORT_BUFFER with the size needed.
 *  - Handles are 32-bit values: objects and enumerators are the
 *    TEE_ObjectHandle / TEE_ObjectEnumHandle values, TA sessions the
 *    TEE_TASessionHandle values, and a state (`state`) is the
 *    TEE_OperationHandle value of the same operation.
 */
#ifndef UTEE_SYSCALLS_H
#define UTEE_SYSCALLS_H

#include <compiler.h>
#include <stddef.h>
#include <stdint.h>
#include <tee_api_types.h>
#include <utee_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * End the entry point in progress with result ret (it unwinds the TA's
 * frames; outputs already written to the TEE_Params go back). Outside
 * an entry point the TA panics with ret.
 */
void _utee_return(unsigned long ret) __noreturn;

/* Append len bytes to the TA's log; the TEE logs whole lines. */
void _utee_log(const void *buf, size_t len);

/* TEE_Panic(code). */
void _utee_panic(unsigned long code);

/*
 * Property number index of prop_set (a TEE_PROPSET_* pseudo handle):
 * its USER_TA_PROP_TYPE_* in *prop_type, its value in buf (room and size
 * in *blen), its NUL-terminated name in name (room and size in
 * *name_len); each output is skipped when its pointer is NULL. Past the
 * last property: TEE_ERROR_ITEM_NOT_FOUND.
 */
TEE_Result _utee_get_property(unsigned long prop_set, unsigned long index,
			      void *name, uint32_t *name_len, void *buf,
			      uint32_t *blen, uint32_t *prop_type);

/* The index of the property name (name_len bytes with its NUL). */
TEE_Result _utee_get_property_name_to_index(unsigned long prop_set,
					    const void *name,
					    unsigned long name_len,
					    uint32_t *index);

/*
 * TA-to-TA: open a session to dest (cancel_req_to: timeout in ms),
 * invoke a command, close it. params may be NULL for none; *ret_orig is
 * the result's TEE_ORIGIN_*.
 */
TEE_Result _utee_open_ta_session(const TEE_UUID *dest,
				 unsigned long cancel_req_to,
				 struct utee_params *params, uint32_t *sess,
				 uint32_t *ret_orig);
TEE_Result _utee_close_ta_session(unsigned long sess);
TEE_Result _utee_invoke_ta_command(unsigned long sess,
				   unsigned long cancel_req_to,
				   unsigned long cmd_id,
				   struct utee_params *params,
				   uint32_t *ret_orig);

/* TEE_CheckMemoryAccessRights. */
TEE_Result _utee_check_access_rights(uint32_t flags, const void *buf,
				     size_t len);

/* Cancellation: the flag, and the mask (its previous value out). */
TEE_Result _utee_get_cancellation_flag(uint32_t *cancel);
TEE_Result _utee_unmask_cancellation(uint32_t *old_mask);
TEE_Result _utee_mask_cancellation(uint32_t *old_mask);

/* TEE_Wait(timeout). */
TEE_Result _utee_wait(unsigned long timeout);

/* The time of a category (enum utee_time_category); TA persistent time. */
TEE_Result _utee_get_time(unsigned long cat, TEE_Time *time);
TEE_Result _utee_set_ta_time(const TEE_Time *time);

/*
 * A state for algo in op_mode keyed by the objects key1 (and key2 for
 * two-key algorithms; 0 for none, as digests take). The keys belong to
 * the state: closing one fails while it lives, freeing it closes them.
 */
TEE_Result _utee_cryp_state_alloc(unsigned long algo, unsigned long op_mode,
				  unsigned long key1, unsigned long key2,
				  uint32_t *state);
TEE_Result _utee_cryp_state_copy(unsigned long dst, unsigned long src);
TEE_Result _utee_cryp_state_free(unsigned long state);

/* Digests and MACs (iv: CBC-MAC's chaining value, ignored otherwise). */
TEE_Result _utee_hash_init(unsigned long state, const void *iv, size_t iv_len);
TEE_Result _utee_hash_update(unsigned long state, const void *chunk,
			     size_t chunk_size);
TEE_Result _utee_hash_final(unsigned long state, const void *chunk,
			    size_t chunk_size, void *hash, uint64_t *hash_len);

/* Symmetric ciphers. */
TEE_Result _utee_cipher_init(unsigned long state, const void *iv,
			     size_t iv_len);
TEE_Result _utee_cipher_update(unsigned long state, const void *src,
			       size_t src_len, void *dest, uint64_t *dest_len);
TEE_Result _utee_cipher_final(unsigned long state, const void *src,
			      size_t src_len, void *dest, uint64_t *dest_len);

/*
 * Objects: information, usage, an attribute (a value attribute comes as
 * its two 32-bit words, 8 bytes), and transient objects' life cycle.
 */
TEE_Result _utee_cryp_obj_get_info(unsigned long obj,
				   struct utee_object_info *info);
TEE_Result _utee_cryp_obj_restrict_usage(unsigned long obj,
					 unsigned long usage);
TEE_Result _utee_cryp_obj_get_attr(unsigned long obj, unsigned long attr_id,
				   void *buffer, uint64_t *size);
TEE_Result _utee_cryp_obj_alloc(unsigned long type, unsigned long max_size,
				uint32_t *obj);
TEE_Result _utee_cryp_obj_close(unsigned long obj);
TEE_Result _utee_cryp_obj_reset(unsigned long obj);
TEE_Result _utee_cryp_obj_populate(unsigned long obj,
				   struct utee_attribute *attrs,
				   unsigned long attr_count);
TEE_Result _utee_cryp_obj_copy(unsigned long dst_obj, unsigned long src_obj);
TEE_Result _utee_cryp_obj_generate_key(unsigned long obj,
				       unsigned long key_size,
				       const struct utee_attribute *params,
				       unsigned long param_count);

/* Key derivation into the transient object derived_key. */
TEE_Result _utee_cryp_derive_key(unsigned long state,
				 const struct utee_attribute *params,
				 unsigned long param_count,
				 unsigned long derived_key);

/* TEE_GenerateRandom. */
TEE_Result _utee_cryp_random_number_generate(void *buf, size_t blen);

/* Authenticated encryption; tag_len of _utee_authenc_init in bytes. */
TEE_Result _utee_authenc_init(unsigned long state, const void *nonce,
			      size_t nonce_len, size_t tag_len, size_t aad_len,
			      size_t payload_len);
TEE_Result _utee_authenc_update_aad(unsigned long state, const void *aad_data,
				    size_t aad_data_len);
TEE_Result _utee_authenc_update_payload(unsigned long state,
					const void *src_data, size_t src_len,
					void *dest_data, uint64_t *dest_len);
TEE_Result _utee_authenc_enc_final(unsigned long state, const void *src_data,
				   size_t src_len, void *dest_data,
				   uint64_t *dest_len, void *tag,
				   uint64_t *tag_len);
TEE_Result _utee_authenc_dec_final(unsigned long state, const void *src_data,
				   size_t src_len, void *dest_data,
				   uint64_t *dest_len, const void *tag,
				   size_t tag_len);

/*
 * Asymmetric: encrypt, decrypt or sign (by the state's mode), and
 * verify.
 */
TEE_Result _utee_asymm_operate(unsigned long state,
			       const struct utee_attribute *params,
			       unsigned long num_params, const void *src_data,
			       size_t src_len, void *dest_data,
			       uint64_t *dest_len);
TEE_Result _utee_asymm_verify(unsigned long state,
			      const struct utee_attribute *params,
			      unsigned long num_params, const void *data,
			      size_t data_len, const void *sig, size_t sig_len);

/* Persistent objects (attr: an initialised object as template, or 0). */
TEE_Result _utee_storage_obj_open(unsigned long storage_id,
				  const void *object_id, size_t object_id_len,
				  unsigned long flags, uint32_t *obj);
TEE_Result _utee_storage_obj_create(unsigned long storage_id,
				    const void *object_id,
				    size_t object_id_len, unsigned long flags,
				    unsigned long attr, const void *data,
				    size_t len, uint32_t *obj);
TEE_Result _utee_storage_obj_del(unsigned long obj);
TEE_Result _utee_storage_obj_rename(unsigned long obj, const void *new_obj_id,
				    size_t new_obj_id_len);

/*
 * Enumerating persistent objects; obj_id of _utee_storage_next_enum must
 * have room for TEE_OBJECT_ID_MAX_LEN bytes.
 */
TEE_Result _utee_storage_alloc_enum(uint32_t *obj_enum);
TEE_Result _utee_storage_free_enum(unsigned long obj_enum);
TEE_Result _utee_storage_reset_enum(unsigned long obj_enum);
TEE_Result _utee_storage_start_enum(unsigned long obj_enum,
				    unsigned long storage_id);
TEE_Result _utee_storage_next_enum(unsigned long obj_enum,
				   struct utee_object_info *info,
				   void *obj_id, uint64_t *len);

/* The data stream (whence: TEE_DATA_SEEK_*). */
TEE_Result _utee_storage_obj_read(unsigned long obj, void *data, size_t len,
				  uint64_t *count);
TEE_Result _utee_storage_obj_write(unsigned long obj, const void *data,
				   size_t len);
TEE_Result _utee_storage_obj_trunc(unsigned long obj, size_t len);
TEE_Result _utee_storage_obj_seek(unsigned long obj, int32_t offset,
				  unsigned long whence);

/*
 * Cache maintenance (op: enum utee_cache_operation) on memory of the
 * current call's memrefs, for TAs with TA_FLAG_CACHE_MAINTENANCE.
 */
TEE_Result _utee_cache_operation(void *va, size_t l, unsigned long op);

#ifdef __cplusplus
}
#endif

#endif /* UTEE_SYSCALLS_H */
