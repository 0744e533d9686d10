//! Manifest validation: Argo's own rules plus Tripline's, each finding located by field path.
