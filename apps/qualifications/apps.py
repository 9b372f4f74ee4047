from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    name = "apps.qualifications"
    label = "qualifications"
    verbose_name = "Qualifications"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import AssessmentCriterion, EvidenceRequirement, LearningOutcome, Qualification, Unit
        from .selectors import forget_trees

        for model in (Qualification, Unit, LearningOutcome, AssessmentCriterion, EvidenceRequirement):
            post_save.connect(forget_trees, sender=model, dispatch_uid=f"qualifications.forget_trees.{model.__name__}")
            post_delete.connect(forget_trees, sender=model, dispatch_uid=f"qualifications.forget_trees.{model.__name__}.d")
