#!/bin/sh
# export RELEASE_DISTRIBUTION=name
