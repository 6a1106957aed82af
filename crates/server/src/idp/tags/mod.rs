//! Resource tagging operations (user pools are the taggable resource).
pub(crate) mod list_tags_for_resource;
pub(crate) mod tag_resource;
pub(crate) mod untag_resource;
